namespace Shop.State;

/// <summary>The product an admin featured on the catalogue, for every visitor (in memory: a demo, not a store).</summary>
public sealed class FeaturedProduct
{
    private volatile string? _name;

    public string? Name
    {
        get => _name;
        set => _name = value;
    }
}
