using System.Threading.Channels;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Tether.Tests.Components;

namespace Tether.Tests.Authentication;

/// <summary>
/// ASP.NET Core Identity's <see cref="SignInManager{TUser}"/> used as a controller action uses it, with no Tether line:
/// in a click handler of a circuit (driven as Blazor drives it) and in a hub method (a real SignalR client). Identity on
/// EF Core and SQLite, revocable sign-in on its application cookie; the cookies reach the browser through the handoff,
/// which the tests redeem as Tether's script does.
/// </summary>
public sealed class SignInManagerTests : IAsyncLifetime
{
    private const string Ann = "ann@example.com";
    private const string Two = "two@example.com";
    private const string Password = "Passw0rd!";
    private const string NewPassword = "Passw0rd!2";

    private readonly string _database = Path.Combine(Path.GetTempPath(), $"tether-signin-{Guid.NewGuid():N}.db");
    private CoreTestApp _app = null!;
    private EventHold? _hold;

    public async Task InitializeAsync()
    {
        _app = await CoreTestApp.StartAsync(
            events: events => events.Use(async (context, next) =>
            {
                // The app's event middleware runs after the event's authentication: an event held here has its answer.
                if (Interlocked.Exchange(ref _hold, null) is { } hold)
                {
                    await hold.HeldAsync(() => next(context));
                    return;
                }

                await next(context);
            }),
            services: services =>
            {
                services.AddDbContext<SecurityStampTests.IdentityDb>(o => o.UseSqlite($"Data Source={_database}"));
                services.AddIdentity<IdentityUser, IdentityRole>(o => o.Lockout.MaxFailedAccessAttempts = 2)
                    .AddEntityFrameworkStores<SecurityStampTests.IdentityDb>()
                    .AddDefaultTokenProviders();
                services.AddTether().AddRevocableSignIn();
                services.AddTestCircuits();
                services.AddSignalR().AddTether();
            },
            map: app =>
            {
                app.MapHub<AccountHub>("/hubs/account");
                app.MapGet("/whoami", (HttpContext context) => context.User.Identity?.Name ?? "anonymous");
                app.MapGet("/identity/signout", async (SignInManager<IdentityUser> signIn) =>
                {
                    await signIn.SignOutAsync();
                    return "ok";
                });
                app.MapGet("/identity/signin", async (SignInManager<IdentityUser> signIn, UserManager<IdentityUser> users, string email) =>
                {
                    await signIn.SignInAsync((await users.FindByEmailAsync(email))!, isPersistent: false);
                    return "ok";
                });
            });

        await using var scope = _app.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<SecurityStampTests.IdentityDb>().Database.EnsureCreatedAsync();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        await users.CreateAsync(new IdentityUser { UserName = Ann, Email = Ann, EmailConfirmed = true }, Password);
        await users.CreateAsync(new IdentityUser { UserName = Two, Email = Two, EmailConfirmed = true, TwoFactorEnabled = true }, Password);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }

    [Fact]
    public async Task PasswordSignInAsync_in_a_click_handler_shows_the_new_user_in_the_same_render_and_its_cookie_reaches_the_browser()
    {
        using var browser = _app.NewBrowser();
        await browser.NegotiateAsync("/hubs/account");
        await using var circuit = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);
        var signIn = circuit.Services.GetRequiredService<SignInManager<IdentityUser>>();
        string? during = null;

        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
        {
            var result = await signIn.PasswordSignInAsync(Ann, Password, isPersistent: false, lockoutOnFailure: true);
            during = result.Succeeded + " " + Current.User().Identity?.Name;
        });

        Assert.Equal("True " + Ann, during);
        Assert.Equal(Ann, circuit.State.UserName);
        Assert.Equal(Ann, (await circuit.AuthState.GetAuthenticationStateAsync()).User.Identity?.Name);
        Assert.Equal(Ann, (await circuit.ClickAsync())?.Identity?.Name);
        await RedeemAsync(circuit, browser);
        Assert.Equal(Ann, await browser.GetAsync("/whoami"));
    }

    [Fact]
    public async Task SignOutAsync_in_a_click_handler_shows_an_anonymous_user_and_a_new_empty_session_in_the_same_render_and_the_browser_is_signed_out()
    {
        using var browser = _app.NewBrowser();
        await browser.NegotiateAsync("/hubs/account");
        await browser.GetAsync("/identity/signin?email=" + Ann);
        await browser.GetAsync("/session/set?key=cart&value=hat");
        await using var circuit = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);
        Assert.Equal(Ann, (await circuit.ClickAsync())?.Identity?.Name);
        var signIn = circuit.Services.GetRequiredService<SignInManager<IdentityUser>>();
        string? during = null;

        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
        {
            await signIn.SignOutAsync();
            during = (Current.User().Identity?.IsAuthenticated == true ? "signed in" : "anonymous") + ", session keys: " + Current.Session()!.Keys.Count();
        });

        Assert.Equal("anonymous, session keys: 0", during);
        Assert.False(circuit.State.IsAuthenticated);
        Assert.False((await circuit.AuthState.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);
        await RedeemAsync(circuit, browser);
        Assert.Equal("anonymous", await browser.GetAsync("/whoami"));
        Assert.Equal("(none)", await browser.GetAsync("/session/get?key=cart"));
    }

    [Fact]
    public async Task A_password_change_in_a_click_keeps_its_own_tab_signed_in_even_when_the_push_re_check_starts_inside_the_click_and_answers_after_it()
    {
        using var browser = _app.NewBrowser();
        await browser.NegotiateAsync("/hubs/account");
        await browser.GetAsync("/identity/signin?email=" + Ann);
        using var device = _app.NewBrowser();
        await device.GetAsync("/identity/signin?email=" + Ann);
        var dispatcher = new CircuitHandlerTests.HeldDispatcher();
        var deviceDispatcher = new CircuitHandlerTests.HeldDispatcher();
        await using var circuit = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader, dispatcher: dispatcher);
        await using var other = CircuitHandlerTests.Circuit.Open(_app, device.CookieHeader, dispatcher: deviceDispatcher);
        Assert.Equal(Ann, (await circuit.ClickAsync())?.Identity?.Name);
        Assert.Equal(Ann, (await other.ClickAsync())?.Identity?.Name);
        var signIn = circuit.Services.GetRequiredService<SignInManager<IdentityUser>>();
        var users = circuit.Services.GetRequiredService<UserManager<IdentityUser>>();
        var hold = new EventHold();
        string? during = null;

        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
        {
            var user = (await users.GetUserAsync(Current.User()))!;
            Assert.True((await users.ChangePasswordAsync(user, Password, NewPassword)).Succeeded);

            // The revocation was pushed to this circuit too. A re-check started now reads the cookies this click is
            // about to renew; it is held after its authentication and answers only after the click.
            Volatile.Write(ref _hold, hold);
            dispatcher.RunPending();
            await signIn.RefreshSignInAsync(user);
            during = Current.User().Identity?.Name;
        });
        Assert.Equal(Ann, during);
        Assert.Equal(Ann, circuit.State.UserName);

        // Whatever re-check the circuit kept for after the click starts now; then the held one answers.
        dispatcher.RunPending();
        hold.Release();
        await hold.Passed.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(Ann, circuit.State.UserName);
        Assert.Equal(Ann, (await circuit.AuthState.GetAuthenticationStateAsync()).User.Identity?.Name);
        Assert.Equal(Ann, (await circuit.ClickAsync())?.Identity?.Name);
        await RedeemAsync(circuit, browser);
        Assert.Equal(Ann, await browser.GetAsync("/whoami"));

        // The user's other sign-in is revoked: the other device's circuit flips with no click, and its next event is anonymous.
        var flipped = new TaskCompletionSource<System.Security.Claims.ClaimsPrincipal>(TaskCreationOptions.RunContinuationsAsynchronously);
        other.AuthState.AuthenticationStateChanged += async task => flipped.TrySetResult((await task).User);
        Assert.Equal(1, deviceDispatcher.RunPending());
        Assert.False((await flipped.Task.WaitAsync(TimeSpan.FromSeconds(15))).Identity?.IsAuthenticated);
        Assert.False(other.State.IsAuthenticated);
        Assert.False((await other.ClickAsync())?.Identity?.IsAuthenticated);
        Assert.Equal("anonymous", await device.GetAsync("/whoami"));
    }

    [Fact]
    public async Task A_circuit_that_renewed_its_sign_in_in_a_click_is_still_told_at_once_when_that_sign_in_is_signed_out_elsewhere()
    {
        using var browser = _app.NewBrowser();
        var dispatcher = new CircuitHandlerTests.HeldDispatcher();
        await using var circuit = await SignedInCircuitAsync(browser, dispatcher);
        var signIn = circuit.Services.GetRequiredService<SignInManager<IdentityUser>>();
        var users = circuit.Services.GetRequiredService<UserManager<IdentityUser>>();
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () => await signIn.RefreshSignInAsync((await users.GetUserAsync(Current.User()))!));
        await RedeemAsync(circuit, browser);

        // The browser signs out over HTTP: the bus carries that sign-in's id only, not the user's, and it still reaches
        // the circuit whose click renewed the sign-in (SignInManager sets HttpContext.User after signing in, which clears
        // the event's authenticate result: the circuit must follow the new ticket all the same).
        var flipped = new TaskCompletionSource<System.Security.Claims.ClaimsPrincipal>(TaskCreationOptions.RunContinuationsAsynchronously);
        circuit.AuthState.AuthenticationStateChanged += async task => flipped.TrySetResult((await task).User);
        Assert.Equal("ok", await browser.GetAsync("/identity/signout"));
        Assert.Equal(1, dispatcher.RunPending());
        Assert.False((await flipped.Task.WaitAsync(TimeSpan.FromSeconds(15))).Identity?.IsAuthenticated);
        Assert.False(circuit.State.IsAuthenticated);
    }

    [Fact]
    public async Task A_push_re_check_that_answers_after_a_newer_sign_in_click_does_not_sign_that_click_out_again()
    {
        using var browser = _app.NewBrowser();
        var dispatcher = new CircuitHandlerTests.HeldDispatcher();
        await using var circuit = await SignedInCircuitAsync(browser, dispatcher);
        var signIn = circuit.Services.GetRequiredService<SignInManager<IdentityUser>>();
        await using (var scope = _app.App.Services.CreateAsyncScope())
        {
            // Elsewhere, the user's sign-ins are revoked; the push reaches this idle circuit, whose re-check starts at once.
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            await users.UpdateSecurityStampAsync((await users.FindByEmailAsync(Ann))!);
        }

        var hold = new EventHold();
        Volatile.Write(ref _hold, hold);
        Assert.Equal(1, dispatcher.RunPending());
        await hold.Entered.WaitAsync(TimeSpan.FromSeconds(15));

        // The user signs in again in this tab while the re-check, which read the revoked cookie, has not answered yet.
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
            Assert.True((await signIn.PasswordSignInAsync(Ann, Password, isPersistent: false, lockoutOnFailure: true)).Succeeded));
        Assert.Equal(Ann, circuit.State.UserName);
        hold.Release();
        await hold.Passed.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(Ann, circuit.State.UserName);
        Assert.Equal(Ann, (await circuit.AuthState.GetAuthenticationStateAsync()).User.Identity?.Name);
        Assert.Equal(Ann, (await circuit.ClickAsync())?.Identity?.Name);
    }

    [Fact]
    public async Task Plain_HttpContext_SignInAsync_and_SignOutAsync_in_click_handlers_show_their_user_in_the_same_render()
    {
        using var browser = _app.NewBrowser();
        await using var circuit = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);
        var signIn = circuit.Services.GetRequiredService<SignInManager<IdentityUser>>();
        var users = circuit.Services.GetRequiredService<UserManager<IdentityUser>>();
        var seen = new List<string?>();

        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
        {
            var principal = await signIn.CreateUserPrincipalAsync((await users.FindByEmailAsync(Ann))!);
            await Current.HttpContext()!.SignInAsync(IdentityConstants.ApplicationScheme, principal);
            seen.Add(Current.User().Identity?.Name);
        });
        seen.Add(circuit.State.UserName);
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
        {
            await Current.HttpContext()!.SignOutAsync(IdentityConstants.ApplicationScheme);
            seen.Add(Current.User().Identity?.Name ?? "anonymous");
        });
        seen.Add(circuit.State.IsAuthenticated ? "signed in" : "anonymous");

        Assert.Equal([Ann, Ann, "anonymous", "anonymous"], seen);
    }

    [Fact]
    public async Task PasswordSignInAsync_in_a_hub_call_signs_in_with_remember_me_and_the_browser_gets_a_persistent_cookie()
    {
        await using var account = await Account.ConnectAsync(_app);

        Assert.Equal("ok as " + Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.PasswordSignIn), Ann, Password, true));
        await account.RedeemNextAsync();

        Assert.Equal(Ann, await account.Browser.GetAsync("/whoami"));
        Assert.Equal(Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.Whoami)));
        var cookie = account.Cookie(".AspNetCore.Identity.Application");
        Assert.NotNull(cookie);
        Assert.True(cookie.Expires > DateTime.Now, "a remember-me sign-in sets a persistent cookie");
    }

    [Fact]
    public async Task PasswordSignInAsync_in_a_hub_call_locks_the_account_out_after_the_failures_Identity_allows()
    {
        await using var account = await Account.ConnectAsync(_app);

        Assert.Equal("failed as anonymous", await account.Hub.InvokeAsync<string>(nameof(AccountHub.PasswordSignIn), Ann, "wrong", false));
        Assert.Equal("locked out as anonymous", await account.Hub.InvokeAsync<string>(nameof(AccountHub.PasswordSignIn), Ann, "wrong", false));
        Assert.Equal("locked out as anonymous", await account.Hub.InvokeAsync<string>(nameof(AccountHub.PasswordSignIn), Ann, Password, false));
        Assert.Equal("anonymous", await account.Browser.GetAsync("/whoami"));
    }

    [Fact]
    public async Task SignInAsync_RefreshSignInAsync_and_SignOutAsync_in_hub_calls_reach_the_browser()
    {
        await using var account = await Account.ConnectAsync(_app);

        Assert.Equal(Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.SignIn), Ann));
        await account.RedeemNextAsync();
        var first = account.Cookie(".AspNetCore.Identity.Application")!.Value;
        Assert.Equal(Ann, await account.Browser.GetAsync("/whoami"));

        Assert.Equal(Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.Refresh)));
        await account.RedeemNextAsync();
        Assert.NotEqual(first, account.Cookie(".AspNetCore.Identity.Application")!.Value);
        Assert.Equal(Ann, await account.Browser.GetAsync("/whoami"));

        Assert.Equal("anonymous", await account.Hub.InvokeAsync<string>(nameof(AccountHub.SignOut)));
        await account.RedeemNextAsync();
        Assert.Equal("anonymous", await account.Browser.GetAsync("/whoami"));
        Assert.Equal("anonymous", await account.Hub.InvokeAsync<string>(nameof(AccountHub.Whoami)));
    }

    [Fact]
    public async Task A_password_change_in_a_hub_call_keeps_its_own_connection_open_and_signed_in_and_signs_the_users_other_connections_out()
    {
        await using var account = await Account.ConnectAsync(_app);
        Assert.Equal(Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.SignIn), Ann));
        await account.RedeemNextAsync();
        var signedOut = Channel.CreateUnbounded<string>();
        account.Hub.On(Tether.SignalR.TetherHubFilter.SignedOutMethodName, () => signedOut.Writer.TryWrite("own"));
        using var device = _app.NewBrowser();
        await device.GetAsync("/identity/signin?email=" + Ann);
        await using var other = await _app.ConnectAsync(device.Cookies, "/hubs/account",
            before: c => c.On(Tether.SignalR.TetherHubFilter.SignedOutMethodName, () => signedOut.Writer.TryWrite("other")));
        Assert.Equal(Ann, await other.InvokeAsync<string>(nameof(AccountHub.Whoami)));

        Assert.Equal(Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.ChangePassword), Password, NewPassword));

        // The user's other sign-in is told and closed; this connection, which renewed its own sign-in, is neither.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.Equal("other", await signedOut.Reader.ReadAsync(timeout.Token));
        Assert.Equal(Ann, await account.Hub.InvokeAsync<string>(nameof(AccountHub.Whoami)));
        Assert.Equal(HubConnectionState.Connected, account.Hub.State);
        Assert.False(signedOut.Reader.TryRead(out _));
        await account.RedeemNextAsync();
        Assert.Equal(Ann, await account.Browser.GetAsync("/whoami"));
    }

    [Fact]
    public async Task The_two_factor_sign_in_runs_across_two_hub_calls_and_its_cookies_reach_the_browser()
    {
        await using var account = await Account.ConnectAsync(_app);

        Assert.Equal("two-factor as anonymous", await account.Hub.InvokeAsync<string>(nameof(AccountHub.PasswordSignIn), Two, Password, false));
        await account.RedeemNextAsync();
        Assert.NotNull(account.Cookie("Identity.TwoFactorUserId"));

        string code;
        await using (var scope = _app.App.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
            code = await users.GenerateTwoFactorTokenAsync((await users.FindByEmailAsync(Two))!, TokenOptions.DefaultEmailProvider);
        }

        Assert.Equal("ok as " + Two, await account.Hub.InvokeAsync<string>(nameof(AccountHub.TwoFactor), code));
        await account.RedeemNextAsync();

        Assert.Equal(Two, await account.Browser.GetAsync("/whoami"));
        Assert.NotNull(account.Cookie("Identity.TwoFactorRememberMe"));
        Assert.Null(account.Cookie("Identity.TwoFactorUserId"));
    }

    // Ann signed in over HTTP in this browser, and a circuit of it whose first click ran as her.
    private async Task<CircuitHandlerTests.Circuit> SignedInCircuitAsync(CoreTestApp.Browser browser, CircuitHandlerTests.HeldDispatcher dispatcher)
    {
        await browser.NegotiateAsync("/hubs/account");
        await browser.GetAsync("/identity/signin?email=" + Ann);
        var circuit = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader, dispatcher: dispatcher);
        Assert.Equal(Ann, (await circuit.ClickAsync())?.Identity?.Name);
        return circuit;
    }

    private static async Task RedeemAsync(CircuitHandlerTests.Circuit circuit, CoreTestApp.Browser browser)
    {
        var handoff = await circuit.Js.NextCallAsync("tether.redeemCookies");
        await browser.RedeemAsync((string)handoff![1]!, (string)handoff[0]!);
    }

    /// <summary>Holds one event in the app's event middleware, after its authentication, until released; tells when it has passed.</summary>
    private sealed class EventHold
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _passed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes once an event, authenticated, is held.</summary>
        public Task Entered => _entered.Task;

        /// <summary>Completes once the held event ran the rest of its pipeline, its handler included.</summary>
        public Task Passed => _passed.Task;

        public void Release() => _released.TrySetResult();

        public async Task HeldAsync(Func<Task> rest)
        {
            _entered.TrySetResult();
            await _released.Task;
            try
            {
                await rest();
            }
            finally
            {
                _passed.TrySetResult();
            }
        }
    }

    /// <summary>A browser with a hub connection to <see cref="AccountHub"/>, and the cookie handoffs it was sent.</summary>
    private sealed class Account(CoreTestApp app, CoreTestApp.Browser browser, HubConnection hub, Channel<(string Url, string Id)> handoffs) : IAsyncDisposable
    {
        public CoreTestApp.Browser Browser { get; } = browser;

        public HubConnection Hub { get; } = hub;

        public static async Task<Account> ConnectAsync(CoreTestApp app)
        {
            var browser = app.NewBrowser();
            var handoffs = Channel.CreateUnbounded<(string, string)>();
            var hub = await app.ConnectAsync(browser.Cookies, "/hubs/account", before: c => c.On<string, string>("tether:cookies", (url, id) => handoffs.Writer.TryWrite((url, id))));
            return new Account(app, browser, hub, handoffs);
        }

        public async Task RedeemNextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            var (url, id) = await handoffs.Reader.ReadAsync(timeout.Token);
            await Browser.RedeemAsync(id, url);
        }

        public Cookie? Cookie(string name) => Browser.Cookies.GetCookies(app.BaseAddress)[name];

        public async ValueTask DisposeAsync()
        {
            await Hub.DisposeAsync();
            Browser.Dispose();
        }
    }
}

/// <summary>Identity's sign-in calls in hub methods, as a controller action makes them.</summary>
public sealed class AccountHub(SignInManager<IdentityUser> signIn, UserManager<IdentityUser> users) : Hub
{
    public async Task<string> PasswordSignIn(string email, string password, bool remember)
        => Describe(await signIn.PasswordSignInAsync(email, password, remember, lockoutOnFailure: true));

    public async Task<string?> SignIn(string email)
    {
        await signIn.SignInAsync((await users.FindByEmailAsync(email))!, isPersistent: false);
        return Whoami();
    }

    public async Task<string?> Refresh()
    {
        await signIn.RefreshSignInAsync((await users.GetUserAsync(Current.User()))!);
        return Whoami();
    }

    public async Task<string?> ChangePassword(string current, string next)
    {
        var user = (await users.GetUserAsync(Current.User()))!;
        if (!(await users.ChangePasswordAsync(user, current, next)).Succeeded)
        {
            return "failed";
        }

        await signIn.RefreshSignInAsync(user);
        return Whoami();
    }

    public async Task<string?> SignOut()
    {
        await signIn.SignOutAsync();
        return Whoami();
    }

    public async Task<string> TwoFactor(string code)
        => Describe(await signIn.TwoFactorSignInAsync(TokenOptions.DefaultEmailProvider, code, isPersistent: false, rememberClient: true));

    public string Whoami() => Current.User().Identity?.Name ?? "anonymous";

    private string Describe(Microsoft.AspNetCore.Identity.SignInResult result)
        => (result.Succeeded ? "ok" : result.IsLockedOut ? "locked out" : result.RequiresTwoFactor ? "two-factor" : result.IsNotAllowed ? "not allowed" : "failed")
            + " as " + Whoami();
}
