using Microsoft.AspNetCore.SignalR;
using Tether.Tests.Authentication;

namespace Tether.Tests.SignalR;

/// <summary>Event tiers of hub calls, over real SignalR connections to Kestrel with real sign-in cookies.</summary>
public sealed class HubTierTests : IAsyncLifetime
{
    private readonly RevokedUsers _signedOut = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services => services.AddSignalR().AddTether(),
        events: AppEventMiddleware.Marker,
        map: app =>
        {
            app.UseAuthorization();
            app.MapHub<TierHub>("/hubs/tiers");
            app.MapHub<TierHub>("/hubs/tiers-secure").RequireAuthorization();
        },
        cookies: options => options.Events.OnValidatePrincipal = _signedOut.ValidatePrincipalAsync);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Each_hub_method_runs_on_its_own_tier()
    {
        await using var hub = await _app.ConnectSignedInAsync("fern", hub: "/hubs/tiers");

        Assert.Equal("fern with middleware", await hub.InvokeAsync<string>("Seen"));
        Assert.Equal("fern without middleware", await hub.InvokeAsync<string>("Lean"));

        var reads = _app.Cache.Reads;
        Assert.Equal("no context", await hub.InvokeAsync<string>("Hot"));
        Assert.Equal(reads, _app.Cache.Reads);
    }

    [Fact]
    public async Task A_none_tier_method_with_authorize_is_still_checked_against_every_calls_user()
    {
        await using var hub = await _app.ConnectSignedInAsync("gil", hub: "/hubs/tiers");
        Assert.Equal("gil without middleware", await hub.InvokeAsync<string>("HotSecret"));

        _signedOut.SignOut("gil");

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync<string>("HotSecret"));
        Assert.Contains("not signed in", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_none_tier_method_of_a_hub_whose_endpoint_requires_authorization_still_runs_authentication()
    {
        await using var secure = await _app.ConnectSignedInAsync("hal", hub: "/hubs/tiers-secure");

        // The hub class says nothing, its endpoint does (RequireAuthorization()): the call is auth-only, not unbridged.
        Assert.Equal("hal without middleware", await secure.InvokeAsync<string>("Hot"));

        _signedOut.SignOut("hal");
        Assert.Equal("anonymous without middleware", await secure.InvokeAsync<string>("Hot"));
    }
}
