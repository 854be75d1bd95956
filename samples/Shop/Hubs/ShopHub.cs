using Tether.SignalR;

namespace Shop.Hubs;

/// <summary>
/// A hub whose calls run through Tether: <see cref="AppHub.User"/> and <see cref="AppHub.Session"/> are those of the
/// HTTP pages, read afresh on every call.
/// </summary>
public sealed class ShopHub : AppHub
{
    public LiveView Whoami() => View();

    public async Task<LiveView> AddToCart(string item)
    {
        if (item is { Length: > 0 and <= 100 })
        {
            await Cart.AddAsync(Session, item);
        }

        return View();
    }

    private LiveView View() => new(
        User.Identity?.IsAuthenticated == true ? User.Identity.Name : null,
        Cart.Read(Session),
        Request.Path + Request.QueryString);
}

public sealed record LiveView(string? User, IReadOnlyList<string> Cart, string Path);
