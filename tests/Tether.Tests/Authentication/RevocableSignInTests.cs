using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether.Authentication;
using static Tether.Ambient;

namespace Tether.Tests.Authentication;

public sealed class RevocableSignInTests : IAsyncLifetime
{
    private readonly LostBus _bus = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await StartAsync(_bus);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    internal static Task<CoreTestApp> StartAsync(
        LostBus? bus = null,
        Action<RevocableSignInOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        Action<IApplicationBuilder>? events = null) => CoreTestApp.StartAsync(
        events: events,
        services: collection =>
        {
            services?.Invoke(collection);
            collection.AddTether().AddRevocableSignIn(configure);
            if (bus is not null)
            {
                collection.Replace(ServiceDescriptor.Singleton<ISignInRevocationBus>(bus));
            }

            collection.AddSignalR().AddTether();
        },
        map: app =>
        {
            app.MapHub<TestHub>("/hubs/test");
            app.MapGet("/signout", async (HttpContext context) =>
            {
                await context.SignOutAsync();
                return "ok";
            });
            app.MapGet("/signin-id", async (HttpContext context) =>
                (await context.AuthenticateAsync()).Properties?.GetSignInId() ?? "(none)");
            app.MapGet("/switch", async (HttpContext context, string name) =>
            {
                // A sign-out and a sign-in in the same request: the new sign-in must not reuse the revoked one's id.
                var before = (await context.AuthenticateAsync()).Properties?.GetSignInId();
                await context.SignOutAsync();
                var properties = new AuthenticationProperties();
                await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme)), properties);
                return before + " " + properties.GetSignInId();
            });
            app.MapGet("/switch-keeping-properties", async (HttpContext context, string name) =>
            {
                // The same, where the app hands the old sign-in's properties to the new one.
                var properties = (await context.AuthenticateAsync()).Properties!;
                var before = properties.GetSignInId();
                await context.SignOutAsync();
                await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme)), properties);
                return before + " " + properties.GetSignInId();
            });
            app.MapGet("/revoke-user", async (ISignInRevoker revoker, string name) =>
            {
                await revoker.RevokeUserAsync(name);
                return "ok";
            });
        });

    [Fact]
    public async Task After_a_sign_out_over_http_no_event_of_the_old_connection_runs_as_the_old_user_in_1000_trials()
    {
        var signedInBefore = 0;
        var signedInAfter = 0;
        for (var trial = 0; trial < 1000; trial++)
        {
            using var browser = _app.NewBrowser();
            await browser.GetAsync("/signin?name=trial" + trial);
            var connection = new ConnectionState();
            var request = await browser.HandshakeAsync("/page");
            await _app.Bridge.RunAsync(request, connection, _ =>
            {
                signedInBefore += Current.User().Identity?.IsAuthenticated == true ? 1 : 0;
                return Task.CompletedTask;
            });

            await browser.GetAsync("/signout");

            await _app.Bridge.RunAsync(request, connection, _ =>
            {
                signedInAfter += Current.User().Identity?.IsAuthenticated == true ? 1 : 0;
                return Task.CompletedTask;
            });
        }

        Assert.Equal(1000, signedInBefore);
        Assert.Equal(0, signedInAfter);
    }

    [Fact]
    public async Task After_a_sign_out_over_http_no_hub_call_of_the_old_connection_runs_as_the_old_user_in_1000_trials_with_every_bus_message_lost()
    {
        var asOldUser = 0;
        for (var trial = 0; trial < 1000; trial++)
        {
            using var browser = _app.NewBrowser();
            await browser.GetAsync("/signin?name=hub" + trial);
            await using var connection = await _app.ConnectAsync(browser.Cookies);
            Assert.Equal("hub" + trial, (await connection.InvokeAsync<Whoami>("Whoami")).User);

            await browser.GetAsync("/signout");

            var me = await connection.InvokeAsync<Whoami>("Whoami");
            asOldUser += me.User is null ? 0 : 1;
            Assert.True(me.ConnectUserAuthenticated, "SignalR's own Context.User still holds the handshake's user.");
        }

        Assert.Equal(0, asOldUser);
        Assert.True(_bus.Lost >= 1000, "The bus dropped every revocation, so only the per-call check can have refused them.");
    }

    [Fact]
    public async Task Revoking_a_user_ends_all_of_that_users_sign_ins_and_none_of_another_users()
    {
        using var laptop = await _app.SignedInBrowserAsync("ann");
        using var phone = await _app.SignedInBrowserAsync("ann");
        using var other = await _app.SignedInBrowserAsync("ben");
        var requests = new[] { await laptop.HandshakeAsync("/"), await phone.HandshakeAsync("/"), await other.HandshakeAsync("/") };
        Assert.Equal("ann,ann,ben", await _app.UsersAsync(requests));

        await other.GetAsync("/revoke-user?name=ann");

        Assert.Equal("-,-,ben", await _app.UsersAsync(requests));
        Assert.Equal("(none)", await laptop.GetAsync("/signin-id"));

        // A new sign-in after the revocation is valid again.
        await laptop.GetAsync("/signin?name=ann");
        Assert.Equal("ann", await _app.UsersAsync([await laptop.HandshakeAsync("/")]));
    }

    [Fact]
    public async Task A_sign_in_after_a_sign_out_gets_a_new_sign_in_id_and_the_old_one_stays_revoked()
    {
        using var browser = await _app.SignedInBrowserAsync("cat");
        var first = await browser.GetAsync("/signin-id");
        var old = await browser.HandshakeAsync("/");

        var ids = (await browser.GetAsync("/switch?name=cat")).Split(' ');
        Assert.Equal(first, ids[0]);
        Assert.NotEqual(first, ids[1]);
        Assert.Equal(ids[1], await browser.GetAsync("/signin-id"));

        await browser.GetAsync("/signout");
        await browser.GetAsync("/signin?name=cat");
        var third = await browser.GetAsync("/signin-id");
        Assert.DoesNotContain(third, new[] { first, ids[1] });
        Assert.True(third.Length >= 22, "A sign-in id carries at least 128 random bits.");
        Assert.Equal("-", await _app.UsersAsync([old]));
    }

    [Fact]
    public async Task A_sign_in_that_reuses_the_signed_out_properties_still_gets_a_new_sign_in_id()
    {
        using var browser = await _app.SignedInBrowserAsync("dan");
        var old = await browser.HandshakeAsync("/");

        var ids = (await browser.GetAsync("/switch-keeping-properties?name=dan")).Split(' ');

        Assert.NotEqual(ids[0], ids[1]);
        Assert.Equal("-", await _app.UsersAsync([old]));
        Assert.Equal("dan", await _app.UsersAsync([await browser.HandshakeAsync("/")]));
    }

    [Fact]
    public async Task The_shared_browser_scenario_never_lets_the_old_tab_read_or_write_the_next_users_session()
    {
        using var browser = await _app.SignedInBrowserAsync("customer");
        await browser.GetAsync("/session/set?key=cart=&value=customer-socks".Replace("cart=", "cart"));
        var oldTab = await browser.HandshakeAsync("/profile");
        var oldConnection = new ConnectionState();
        await _app.Bridge.RunAsync(oldTab, oldConnection, _ =>
        {
            Assert.Equal("customer-socks", Request.Session.GetString("cart"));
            return Task.CompletedTask;
        });

        // Another tab of the same browser: the customer signs out, an admin signs in and fills the cart.
        var sessionBefore = SessionCookie(browser);
        await browser.GetAsync("/signout");
        await browser.GetAsync("/signin?name=admin&role=admin");
        await browser.GetAsync("/session/set?key=cart&value=admin-laptop");
        Assert.NotEqual(sessionBefore, SessionCookie(browser));

        string? user = "unset", cart = "unset";
        await _app.Bridge.RunAsync(oldTab, oldConnection, _ =>
        {
            user = Current.User().Identity?.Name;
            cart = Request.Session.GetString("cart");
            Request.Session.SetString("cart", "old-tab-write");
            return Task.CompletedTask;
        });

        Assert.Null(user);
        Assert.Null(cart);
        Assert.Equal("admin-laptop", await browser.GetAsync("/session/get?key=cart"));

        // The same through a hub connection opened before the switch.
        using var second = await _app.SignedInBrowserAsync("customer2").WithSessionAsync("owner", "customer2");
        await using var hub = await _app.ConnectAsync(second.Cookies);
        Assert.Equal("customer2", (await hub.InvokeAsync<Whoami>("Whoami")).Owner);
        await second.GetAsync("/signout");
        await second.GetAsync("/signin?name=admin2");
        await second.GetAsync("/session/set?key=owner&value=admin2");

        var me = await hub.InvokeAsync<Whoami>("Whoami");
        Assert.Null(me.User);
        Assert.Null(me.Owner);
        await hub.InvokeAsync("WriteSession", "owner", "old-hub-write");
        Assert.Equal("admin2", await second.GetAsync("/session/get?key=owner"));
    }

    [Fact]
    public async Task An_event_whose_user_is_not_the_sessions_sign_in_gets_a_session_of_its_own()
    {
        // The sign-in is revoked by an administrator, not by a sign-out, so its session was not emptied.
        using var browser = await _app.SignedInBrowserAsync("dora").WithSessionAsync("secret", "dora-data");
        var request = await browser.HandshakeAsync("/");
        var connection = new ConnectionState();
        await _app.NewBrowser().GetAsync("/revoke-user?name=dora");

        string? secret = "unset";
        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            secret = Request.Session.GetString("secret");
            Request.Session.SetString("note", "anonymous");
            return Task.CompletedTask;
        });

        Assert.Null(secret);
        string? note = null;
        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            note = Request.Session.GetString("note");
            return Task.CompletedTask;
        });
        Assert.Equal("anonymous", note);
    }

    [Fact]
    public async Task A_sign_in_and_a_sign_out_each_give_the_browser_a_new_session_id()
    {
        using var browser = await _app.NewBrowser().WithSessionAsync("guest", "cart");
        var anonymous = SessionCookie(browser);
        await browser.GetAsync("/signin?name=eve");
        var signedIn = SessionCookie(browser);
        Assert.NotNull(signedIn);
        Assert.NotEqual(anonymous, signedIn);
        Assert.Equal("(none)", await browser.GetAsync("/session/get?key=guest"));

        await browser.GetAsync("/session/set?key=k&value=v");
        Assert.Equal(signedIn, SessionCookie(browser));
        await browser.GetAsync("/signout");
        Assert.NotEqual(signedIn, SessionCookie(browser));
        Assert.Equal("(none)", await browser.GetAsync("/session/get?key=k"));
    }

    [Fact]
    public async Task A_guests_session_carries_into_the_sign_in_when_the_app_asks_for_it()
    {
        await using var app = await StartAsync(configure: o => o.KeepAnonymousSessionOnSignIn = true);
        using var browser = await app.NewBrowser().WithSessionAsync("cart", "guest-hat");
        var anonymous = SessionCookie(browser, app);
        await browser.GetAsync("/signin?name=fay");

        Assert.NotEqual(anonymous, SessionCookie(browser, app));
        Assert.Equal("guest-hat", await browser.GetAsync("/session/get?key=cart"));
    }

    [Fact]
    public async Task A_guests_cart_carries_into_a_sign_in_but_a_revoked_users_session_never_does()
    {
        await using var app = await StartAsync(configure: o => o.KeepAnonymousSessionOnSignIn = true);
        using var browser = await app.SignedInBrowserAsync("quinn").WithSessionAsync("secret", "quinn-data");
        await app.NewBrowser().GetAsync("/revoke-user?name=quinn");

        // The browser now looks anonymous over HTTP, but its session is still quinn's: it is not a guest's cart.
        await browser.GetAsync("/signin?name=rosa");

        Assert.Equal("(none)", await browser.GetAsync("/session/get?key=secret"));
    }

    [Fact]
    public async Task A_sign_in_store_that_is_down_fails_closed_to_anonymous_and_the_hub_connection_survives()
    {
        using var browser = await _app.SignedInBrowserAsync("gus");
        await using var hub = await _app.ConnectAsync(browser.Cookies);
        var request = await browser.HandshakeAsync("/");
        Assert.Equal("gus", await _app.UsersAsync([request]));

        // A call is dispatched only after OnConnectedAsync ran, so the outage below hits calls, not the connect.
        Assert.Equal("gus", (await hub.InvokeAsync<Whoami>("Whoami")).User);

        _app.Cache.Down = true;
        try
        {
            // The session store is the same cache, so the session fails too, with its own typed error.
            await Assert.ThrowsAsync<SessionUnavailableException>(() => _app.Bridge.RunAsync(request, new ConnectionState(), _ => Task.CompletedTask));
            var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => hub.InvokeAsync<Whoami>("Whoami"));
            Assert.Contains("session store is unavailable", error.Message, StringComparison.Ordinal);
            Assert.Equal(HubConnectionState.Connected, hub.State);
        }
        finally
        {
            _app.Cache.Down = false;
        }

        Assert.Equal("gus", (await hub.InvokeAsync<Whoami>("Whoami")).User);
    }

    private string? SessionCookie(CoreTestApp.Browser browser, CoreTestApp? app = null)
        => browser.Cookies.GetCookies((app ?? _app).BaseAddress)[".AspNetCore.Session"]?.Value;

    /// <summary>A bus whose every message is lost: only the per-event check is left.</summary>
    internal sealed class LostBus : ISignInRevocationBus
    {
        public int Lost;

        public Task PublishAsync(SignInRevocation revocation, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Lost);
            return Task.CompletedTask;
        }

        public IDisposable Subscribe(Action<SignInRevocation> handler) => new CancellationTokenSource();
    }
}
