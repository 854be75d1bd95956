using System.Text.Json;

namespace Shop;

/// <summary>The cart lives in the session, so HTTP pages and interactive events share it.</summary>
public static class Cart
{
    private const string Key = "cart";

    public static IReadOnlyList<string> Read(ISession session)
        => session.GetString(Key) is { } json ? JsonSerializer.Deserialize<List<string>>(json) ?? [] : [];

    public static void Add(ISession session, string item)
    {
        var items = Read(session).ToList();
        items.Add(item);
        session.SetString(Key, JsonSerializer.Serialize(items));
    }
}
