using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Tether.SignalR;

namespace Tether.Tests.SignalR;

/// <summary>
/// A hub event carries its hub's endpoint, with the called method's attributes, so ASP.NET Core's own rate limiter
/// (<c>events.UseRateLimiter()</c>) limits a hub or one of its methods by <c>[EnableRateLimiting]</c>; and a hub method guards
/// itself with <see cref="AppHub"/>'s <c>AuthorizeAsync</c>. Real Kestrel, the real SignalR client, real cookies.
/// </summary>
public sealed class HubEndpointTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<Endpoint?> _endpoints = new();
    private readonly LimitedHub.Calls _calls = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services =>
        {
            services.AddSignalR().AddTether();
            services.AddSingleton(_calls);
            services.AddAuthorizationBuilder().AddPolicy("admins", policy => policy.RequireRole("admin"));
            services.AddTestRateLimits();
        },
        events: events =>
        {
            events.Use((context, next) =>
            {
                _endpoints.Enqueue(context.GetEndpoint());
                return next(context);
            });
            events.UseRateLimiter();
        },
        map: app =>
        {
            app.MapHub<LimitedHub>("/hubs/limited");
            app.MapHub<WholeLimitedHub>("/hubs/whole");
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_event_middleware_of_a_hub_call_sees_the_hubs_endpoint_with_the_methods_attributes()
    {
        await using var connection = await _app.ConnectAsync(hub: "/hubs/limited");

        // Calls are dispatched after OnConnectedAsync ran, so the connect's event comes first.
        await connection.InvokeAsync("Limited");
        await connection.InvokeAsync("Free");

        var endpoints = _endpoints.ToArray();
        Assert.Equal(3, endpoints.Length);
        var connect = endpoints[0];
        Assert.Equal(typeof(LimitedHub), connect?.Metadata.GetMetadata<HubMetadata>()?.HubType);
        Assert.Equal("/hubs/limited", (connect as Microsoft.AspNetCore.Routing.RouteEndpoint)?.RoutePattern.RawText);
        Assert.Equal(typeof(LimitedHub), endpoints[1]?.Metadata.GetMetadata<HubMetadata>()?.HubType);
        Assert.Equal(TestRateLimits.TwoPerHour, endpoints[1]?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName);
        Assert.Same(connect, endpoints[2]);
        Assert.Null(endpoints[2]?.Metadata.GetMetadata<EnableRateLimitingAttribute>());
    }

    [Fact]
    public async Task The_rate_limiter_refuses_a_methods_calls_beyond_its_limit_and_the_connection_stays_open()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=rae");
        await using var connection = await _app.ConnectAsync(browser.Cookies, hub: "/hubs/limited");

        await connection.InvokeAsync("Limited");
        await connection.InvokeAsync("Limited");
        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("Limited"));

        Assert.Contains("429", refused.Message, StringComparison.Ordinal);
        Assert.Equal(2, _calls.Count("Limited"));
        Assert.Equal("rae", await connection.InvokeAsync<string>("Free"));
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task A_limit_on_a_hub_counts_its_connect_and_every_call_but_of_a_method_that_disables_it()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=hal");
        await using var connection = await _app.ConnectAsync(browser.Cookies, hub: "/hubs/whole");

        // Three an hour: the connect, as a request to the hub's endpoint would be over HTTP, and two calls.
        await connection.InvokeAsync("Call");
        await connection.InvokeAsync("Call");
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync("Call"));
        await connection.InvokeAsync("Exempt");

        Assert.Equal(2, _calls.Count("Call"));
        Assert.Equal(1, _calls.Count("Exempt"));
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task The_global_limiter_limits_every_hub_event_of_a_user()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=" + TestRateLimits.GloballyLimitedPrefix + "gus");
        await using var connection = await _app.ConnectAsync(browser.Cookies, hub: "/hubs/limited");

        // One an hour, and the connect took it.
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Free"));
        Assert.Equal(0, _calls.Count("Free"));
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task A_method_that_requires_a_policy_refuses_an_anonymous_call_and_a_user_who_does_not_meet_it_and_runs_for_one_who_does()
    {
        await using var anonymous = await _app.ConnectAsync(hub: "/hubs/limited");
        var challenged = await Assert.ThrowsAsync<HubException>(() => anonymous.InvokeAsync<string>("Restock"));
        Assert.Contains("not signed in", challenged.Message, StringComparison.Ordinal);

        using var customer = _app.NewBrowser();
        await customer.GetAsync("/signin?name=cal");
        await using var theirs = await _app.ConnectAsync(customer.Cookies, hub: "/hubs/limited");
        var forbidden = await Assert.ThrowsAsync<HubException>(() => theirs.InvokeAsync<string>("Restock"));
        Assert.Contains("does not meet the authorization policy 'admins'", forbidden.Message, StringComparison.Ordinal);
        Assert.Equal(0, _calls.Count("Restock"));
        Assert.Equal("cal", await theirs.InvokeAsync<string>("Free"));

        using var admin = _app.NewBrowser();
        await admin.GetAsync("/signin?name=ada&role=admin");
        await using var adminConnection = await _app.ConnectAsync(admin.Cookies, hub: "/hubs/limited");
        Assert.Equal("restocked by ada", await adminConnection.InvokeAsync<string>("Restock"));
        Assert.Equal(1, _calls.Count("Restock"));
    }

    [Fact]
    public async Task A_method_policy_that_cannot_be_evaluated_refuses_the_call_with_its_reason()
    {
        using var admin = _app.NewBrowser();
        await admin.GetAsync("/signin?name=ada&role=admin");
        await using var connection = await _app.ConnectAsync(admin.Cookies, hub: "/hubs/limited");

        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Broken"));

        Assert.Contains("could not be evaluated", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, _calls.Count("Broken"));
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }
}

public sealed class LimitedHub(LimitedHub.Calls calls) : AppHub
{
    [EnableRateLimiting(TestRateLimits.TwoPerHour)]
    public void Limited() => calls.Add(nameof(Limited));

    public string? Free()
    {
        calls.Add(nameof(Free));
        return User.Identity?.Name;
    }

    public async Task<string> Restock()
    {
        await AuthorizeAsync("admins");
        calls.Add(nameof(Restock));
        return "restocked by " + User.Identity!.Name;
    }

    public async Task<string> Broken()
    {
        await AuthorizeAsync("no-such-policy");
        calls.Add(nameof(Broken));
        return "ran";
    }

    /// <summary>What ran, by method: shared by the test and its hubs.</summary>
    public sealed class Calls
    {
        private readonly ConcurrentDictionary<string, int> _counts = new();

        public void Add(string method) => _counts.AddOrUpdate(method, 1, (_, count) => count + 1);

        public int Count(string method) => _counts.GetValueOrDefault(method);
    }
}

[EnableRateLimiting(TestRateLimits.ThreePerHour)]
public sealed class WholeLimitedHub(LimitedHub.Calls calls) : AppHub
{
    public void Call() => calls.Add(nameof(Call));

    [DisableRateLimiting]
    public void Exempt() => calls.Add(nameof(Exempt));
}
