using System.Net.WebSockets;
using Microsoft.AspNetCore.SignalR;
using Tether.Tests.Authentication;

namespace Tether.Tests.SignalR;

public sealed class HubBridgeTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    // Server-side revocation, as Identity's security stamp validation does it: users signed out or demoted after they connected.
    private readonly RevokedUsers _revoked = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services =>
        {
            services.AddSignalR().AddTether();
            services.AddAuthorizationBuilder().AddPolicy("admins", policy => policy.RequireRole("admin"));
            services.AddRazorComponents().AddInteractiveServerComponents();
            services.AddTether().AddInteractiveServer();
        },
        map: app =>
        {
            app.UseAntiforgery();
            app.MapHub<TestHub>("/hubs/test");
            app.MapRazorComponents<TestRoot>().AddInteractiveServerRenderMode();
        },
        cookies: options =>
        {
            options.TimeProvider = _clock;
            options.ExpireTimeSpan = TimeSpan.FromMinutes(10);
            options.SlidingExpiration = false;
            options.Events.OnValidatePrincipal = _revoked.ValidatePrincipalAsync;
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Hub_calls_see_the_user_claims_and_session_of_http_and_their_session_writes_reach_http()
    {
        using var alice = await _app.SignedInBrowserAsync("alice").WithSessionAsync("owner", "alice");
        await using var connection = await _app.ConnectAsync(alice.Cookies, location: "/shop?tab=cart");

        var me = await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Equal("alice", me.User);
        Assert.Equal("alice-tenant", me.Tenant);
        Assert.Equal("alice", me.Owner);
        Assert.Equal("127.0.0.1", me.RemoteIp);
        Assert.Equal("alice", await connection.InvokeAsync<string>("FromStatic"));
        Assert.Equal("secret for alice", await connection.InvokeAsync<string>("Secret"));

        await connection.InvokeAsync("WriteSession", "cart", "2 hats");
        Assert.Equal("2 hats", await alice.GetAsync("/session/get?key=cart"));
    }

    [Fact]
    public async Task OnConnectedAsync_and_OnDisconnectedAsync_run_inside_an_event()
    {
        using var gina = await _app.SignedInBrowserAsync("gina").WithSessionAsync("owner", "gina");
        var connection = await _app.ConnectAsync(gina.Cookies, location: "/live");

        // StartAsync returns at the handshake, before OnConnectedAsync; calls are dispatched only after it ran.
        await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Equal("gina@/live", await gina.GetAsync("/session/get?key=connected_as"));
        await connection.DisposeAsync();
        await WaitForAsync(async () => await gina.GetAsync("/session/get?key=disconnected_as") == "gina");
    }

    [Fact]
    public async Task The_page_location_the_client_sends_reaches_Request_Path_and_Query()
    {
        await using var connection = await _app.ConnectAsync(location: "/shop/cart?x=1");
        var first = await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Equal("/shop/cart", first.Path);
        Assert.Equal("?x=1", first.QueryString());

        await connection.SetLocationAsync("/orders?id=7");
        var second = await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Equal("/orders", second.Path);
        Assert.Equal("?id=7", second.QueryString());
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("//evil.example/x")]
    [InlineData("not a url \u0001")]
    [InlineData("javascript:alert(1)")]
    public async Task Calls_at_a_location_tether_rejects_are_refused_until_the_client_reports_a_path_on_this_app(string location)
    {
        await using var connection = await _app.ConnectAsync(location: "/fine");
        Assert.Equal("/fine", (await connection.InvokeAsync<Whoami>("Whoami")).Path);

        // Running the call at "/" instead would skip whatever the app's event middleware checks for the page's own path.
        await connection.SetLocationAsync(location);
        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<Whoami>("Whoami"));
        Assert.Contains("The call to 'Whoami' was refused: the page location the client reported is not a path on this app.", refused.Message);
        Assert.Equal(HubConnectionState.Connected, connection.State);

        await connection.SetLocationAsync("/fine?again=1");
        var me = await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Equal("/fine", me.Path);
        Assert.Equal("?again=1", me.QueryString());
    }

    [Fact]
    public async Task A_connection_opened_at_a_location_tether_rejects_is_closed()
    {
        var connection = _app.NewHub(location: "https://evil.example/x");
        var closed = new TaskCompletionSource();
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        try
        {
            await connection.StartAsync();
            await connection.InvokeAsync<Whoami>("Whoami");
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or TaskCanceledException or IOException)
        {
        }

        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Without_a_reported_location_calls_see_the_hub_path_and_its_query_but_no_transport_secrets()
    {
        // SignalR puts its connection token (id) and a browser's bearer token (access_token) in the socket's query string.
        var connection = _app.NewHub(hub: "/hubs/test?tenant=acme&access_token=bearer-secret");
        await connection.StartAsync();
        await using (connection)
        {
            var me = await connection.InvokeAsync<Whoami>("Whoami");
            Assert.Equal("/hubs/test", me.Path);
            Assert.Equal("?tenant=acme", me.QueryString());
        }
    }

    [Fact]
    public async Task A_user_signed_out_after_connect_is_refused_by_tethers_own_authorize_check_on_the_next_call()
    {
        await using var connection = await _app.ConnectSignedInAsync("kim", "admin");
        Assert.Equal("secret for kim", await connection.InvokeAsync<string>("Secret"));

        _revoked.SignOut("kim");

        // SignalR's own [Authorize] check passes: it looks at the connect-time user, who was signed in.
        var me = await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Null(me.User);
        Assert.True(me.ConnectUserAuthenticated);
        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Secret"));
        Assert.Contains("Access to 'Secret' was denied: this call is not signed in.", denied.Message);
        denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("AdminOnly"));
        Assert.Contains("Access to 'AdminOnly' was denied: this call is not signed in.", denied.Message);
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    // AdminOnly is guarded by [Authorize(Policy = "admins")]; AdminByRequirement only by an attribute that carries its own
    // requirements (IAuthorizationRequirementData), which Tether checks on every call just the same.
    [Theory]
    [InlineData("AdminOnly", "admin area")]
    [InlineData("AdminByRequirement", "admin area by requirement")]
    public async Task A_user_who_loses_the_role_after_connect_is_refused_by_tethers_own_policy_check_on_the_next_call(string method, string reply)
    {
        await using var connection = await _app.ConnectSignedInAsync("lee", "admin");
        Assert.Equal(reply, await connection.InvokeAsync<string>(method));

        _revoked.Demote("lee");

        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>(method));
        Assert.Contains($"Access to '{method}' was denied: the signed-in user does not meet its authorization policy.", denied.Message);
        Assert.Equal("secret for lee", await connection.InvokeAsync<string>("Secret"));
    }

    [Fact]
    public async Task A_tampered_cookie_is_anonymous_and_authorize_denies_while_the_connection_survives()
    {
        using var bob = await _app.SignedInBrowserAsync("bob");
        var cookies = new CookieContainer();
        var real = bob.Cookies.GetCookies(_app.BaseAddress)[".AspNetCore.Cookies"]!.Value;
        cookies.Add(_app.BaseAddress, new Cookie(".AspNetCore.Cookies", real[..^3] + (real[^3] == 'x' ? 'y' : 'x') + real[^2..]));
        await using var connection = await _app.ConnectAsync(cookies);

        Assert.Null((await connection.InvokeAsync<Whoami>("Whoami")).User);
        // The connect-time user was anonymous too, so SignalR's own check refuses first ("unauthorized").
        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Secret"));
        Assert.Matches("denied|unauthorized", denied.Message);
        Assert.Equal(HubConnectionState.Connected, connection.State);

        // A client that reports no page location keeps the path of its handshake.
        Assert.Equal("/hubs/test", (await connection.InvokeAsync<Whoami>("Whoami")).Path);
    }

    [Fact]
    public async Task A_ticket_that_expires_after_connect_is_anonymous_on_the_next_call_and_authorize_re_checks_it()
    {
        await using var connection = await _app.ConnectSignedInAsync("carol", "admin");
        Assert.Equal("secret for carol", await connection.InvokeAsync<string>("Secret"));
        Assert.Equal("admin area", await connection.InvokeAsync<string>("AdminOnly"));

        _clock.Advance(TimeSpan.FromMinutes(11));

        var me = await connection.InvokeAsync<Whoami>("Whoami");
        Assert.Null(me.User);
        Assert.True(me.ConnectUserAuthenticated, "SignalR's own Context.User is still the connect-time user.");
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("Secret"));
        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("AdminOnly"));
        Assert.Contains("denied", denied.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HubConnectionState.Connected, connection.State);
    }

    [Fact]
    public async Task Authorize_policy_denies_a_signed_in_user_without_the_role()
    {
        await using var connection = await _app.ConnectSignedInAsync("dave");

        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>("AdminOnly"));
        Assert.Matches("denied|unauthorized", denied.Message);
        Assert.Equal("secret for dave", await connection.InvokeAsync<string>("Secret"));
    }

    [Fact]
    public async Task Two_users_on_fifty_connections_each_never_see_each_others_user_or_session()
    {
        var users = new[] { "erin", "frank" };
        var connections = new List<(string User, HubConnection Connection)>();
        foreach (var user in users)
        {
            using var browser = _app.NewBrowser();
            await browser.GetAsync($"/signin?name={user}");
            await browser.GetAsync($"/session/set?key=owner&value={user}");
            for (var i = 0; i < 50; i++)
            {
                connections.Add((user, await _app.ConnectAsync(browser.Cookies, location: $"/{user}?i={i}")));
            }
        }

        var replies = 0;
        try
        {
            await Task.WhenAll(connections.Select(async c =>
            {
                for (var call = 0; call < 30; call++)
                {
                    var me = await c.Connection.InvokeAsync<Whoami>("Whoami");
                    Assert.Equal(c.User, me.User);
                    Assert.Equal(c.User, me.Owner);
                    Assert.Equal("/" + c.User, me.Path);
                    Interlocked.Increment(ref replies);
                }
            }));
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.Connection.DisposeAsync().AsTask()));
        }

        Assert.Equal(2 * 50 * 30, replies);
    }

    [Theory]
    [InlineData("/hubs/test")]
    [InlineData("/_blazor")]
    public async Task A_websocket_handshake_from_a_foreign_origin_is_refused_before_any_hub_code(string path)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketHandshakeAsync(path, "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await WebSocketHandshakeAsync(path, "null"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WebSocketHandshakeAsync(path, _app.BaseAddress.GetLeftPart(UriPartial.Authority)));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await WebSocketHandshakeAsync(path, origin: null));
    }

    [Fact]
    public async Task A_negotiate_request_from_a_foreign_origin_is_refused()
    {
        using var client = new HttpClient { BaseAddress = _app.BaseAddress };
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/hubs/test/negotiate?negotiateVersion=1");
        foreign.Headers.Add("Origin", "https://evil.example");
        using var own = new HttpRequestMessage(HttpMethod.Post, "/hubs/test/negotiate?negotiateVersion=1");
        own.Headers.Add("Origin", _app.BaseAddress.GetLeftPart(UriPartial.Authority));

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(foreign)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(own)).StatusCode);
    }

    private async Task<HttpStatusCode> WebSocketHandshakeAsync(string path, string? origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var uri = new UriBuilder(_app.BaseAddress) { Scheme = "ws", Path = path }.Uri;
        try
        {
            await socket.ConnectAsync(uri, CancellationToken.None);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        return socket.HttpStatusCode;
    }
}

internal static class WhoamiExtensions
{
    public static string QueryString(this Whoami me) => me.Query ?? string.Empty;
}
