using Tether.Tests.Authentication;
using static Tether.Tests.Components.CircuitHandlerTests;

namespace Tether.Tests.Components;

/// <summary>
/// Event tiers and page authorization of Blazor events: the page of the circuit's location is found among the app's
/// real Razor component endpoints (MapRazorComponents over this assembly's <see cref="TierPages"/>), and the circuit
/// handler is driven as Blazor drives it, with real cookies from real sign-ins over Kestrel.
/// </summary>
public sealed class PageEventTests : IAsyncLifetime
{
    // Users whose admin role was taken away after they signed in, as Identity's security stamp validation would see it.
    private readonly RevokedUsers _demoted = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services =>
        {
            services.AddRazorComponents().AddInteractiveServerComponents();
            services.AddTestCircuits();
        },
        events: AppEventMiddleware.Marker,
        map: app =>
        {
            app.UseAntiforgery();
            app.MapRazorComponents<TestRoot>().AddInteractiveServerRenderMode();
        },
        cookies: options => options.Events.OnValidatePrincipal = _demoted.ValidatePrincipalAsync);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_user_who_lost_the_admin_role_in_another_tab_cannot_click_an_admin_page_button_once_more()
    {
        await using var circuit = await _app.OpenCircuitAsync("/admin", "ada", "admin");
        await circuit.ClickAsync();
        Assert.Equal(1, circuit.Clicks);

        _demoted.Demote("ada");
        using var durations = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<double>(
            _app.App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), TetherDiagnostics.MeterName, Tether.Diagnostics.TetherMetrics.EventDuration);
        await circuit.ClickAsync();

        Assert.Equal(1, circuit.Clicks);
        Assert.Equal(StatusCodes.Status403Forbidden, circuit.State.DeniedStatusCode);
        // The event counts as denied, not handled, in tether.event.duration.
        Assert.Equal("denied", durations.LastMeasurement!.Tags[Tether.Diagnostics.TetherMetrics.OutcomeTag]);
        var user = (await circuit.AuthState.GetAuthenticationStateAsync()).User;
        Assert.Equal("ada", user.Identity?.Name);
        Assert.False(user.IsInRole("admin"));
        Assert.Null(circuit.Navigation.Last);
    }

    [Fact]
    public async Task An_anonymous_event_on_an_authorize_page_goes_to_the_cookie_schemes_login_path_and_back_to_the_page()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null, "/admin?tab=users");

        await circuit.ClickAsync();

        Assert.Equal(0, circuit.Clicks);
        var (uri, forceLoad) = circuit.Navigation.Last!.Value;
        Assert.True(forceLoad);
        Assert.Equal("/Account/Login", new Uri(uri).AbsolutePath);
        Assert.Equal("?ReturnUrl=%2Fadmin%3Ftab%3Dusers", new Uri(uri).Query);
    }

    [Fact]
    public async Task A_page_policy_that_cannot_be_evaluated_refuses_the_event_rather_than_run_it_unprotected()
    {
        await using var circuit = await _app.OpenCircuitAsync("/broken", "bo", "admin");

        await circuit.ClickAsync();

        Assert.Equal(0, circuit.Clicks);
        Assert.Equal(StatusCodes.Status500InternalServerError, circuit.State.DeniedStatusCode);
    }

    [Fact]
    public async Task A_location_reported_away_from_an_authorize_page_does_not_lift_that_pages_check()
    {
        await using var circuit = await _app.OpenCircuitAsync("/admin", "dee", "admin");
        await circuit.ClickAsync();
        Assert.Equal(1, circuit.Clicks);

        // Demoted, the client reports a public page's location without leaving the admin page it renders, then clicks.
        _demoted.Demote("dee");
        circuit.Navigation.MoveTo("/orders/new");
        await circuit.ClickAsync();

        Assert.Equal(1, circuit.Clicks);
        Assert.Equal(StatusCodes.Status403Forbidden, circuit.State.DeniedStatusCode);
    }

    [Fact]
    public async Task A_location_report_away_from_an_authorize_page_keeps_its_events_held_to_that_page()
    {
        // The circuit renders the admin page, and no event of it has passed the page's check yet. The page's report of the
        // URL it shows (after an enhanced redirect) is the client's word: it moves the events to a public page's location,
        // yet they stay held to the admin page Blazor's location names.
        await using var circuit = await _app.OpenCircuitAsync("/admin", "eve");
        await circuit.ReportLocationAsync("/orders/new");
        await circuit.ClickAsync();

        Assert.Equal(0, circuit.Clicks);
        Assert.Equal(StatusCodes.Status403Forbidden, circuit.State.DeniedStatusCode);
    }

    [Fact]
    public async Task Routes_are_matched_with_their_constraints_and_literal_segments_first()
    {
        await using var circuit = await _app.OpenCircuitAsync("/orders/new", "cy");
        await circuit.ClickAsync();
        Assert.Equal(1, circuit.Clicks);

        circuit.Navigation.MoveTo("/orders/7");
        await circuit.ClickAsync();
        Assert.Equal(1, circuit.Clicks);
        Assert.Equal(StatusCodes.Status403Forbidden, circuit.State.DeniedStatusCode);

        // Not an int: no page, so no page authorization (the not-found page is the app's to render).
        circuit.Navigation.MoveTo("/orders/seven");
        await circuit.ClickAsync();
        Assert.Equal(2, circuit.Clicks);
    }

    [Fact]
    public async Task On_a_none_tier_page_IHttpContextAccessor_is_null_in_an_event_never_the_sockets_request_nor_an_earlier_events_context()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=dee");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/hot");
        var accessor = _app.App.Services.GetRequiredService<IHttpContextAccessor>();

        // The socket's request, in the framework's holder as the hosting layer set it, and a context an earlier event left.
        accessor.HttpContext = circuit.Connection;
        var stale = AmbientContext.Bind(new DefaultHttpContext());
        HttpContext? seen = new DefaultHttpContext();
        try
        {
            await circuit.ActivityAsync("BeginInvokeDotNetFromJS", () => seen = accessor.HttpContext);
        }
        finally
        {
            stale.Clear();
        }

        Assert.Null(seen);
    }

    [Fact]
    public async Task An_event_on_a_none_tier_page_sees_no_context_not_even_one_its_flow_inherited_and_reads_no_store()
    {
        using var browser = await _app.SignedInBrowserAsync("dee").WithSessionAsync("k", "v");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/hot");
        var reads = _app.Cache.Reads;

        // A context some other event left on this async flow.
        var stale = AmbientContext.Bind(new DefaultHttpContext());
        HttpRequest? request = null;
        InvalidOperationException? proxy = null;
        try
        {
            await circuit.ActivityAsync("BeginInvokeDotNetFromJS", () =>
            {
                request = Current.Request();
                proxy = Assert.Throws<InvalidOperationException>(() => Ambient.Request.Path);
            });
        }
        finally
        {
            stale.Clear();
        }

        Assert.Null(request);
        Assert.NotNull(proxy);
        Assert.Equal(reads, _app.Cache.Reads);
    }

    [Fact]
    public async Task An_auth_only_page_runs_session_and_authentication_but_not_the_apps_event_middleware()
    {
        using var browser = await _app.SignedInBrowserAsync("eve").WithSessionAsync("k", "eve-value");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/lean");

        (string? User, string? Session, bool Middleware) seen = default;
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", () =>
            seen = (Current.User().Identity?.Name, Current.Session()?.GetString("k"), Current.HttpContext()!.Items.ContainsKey(AppEventMiddleware.MarkerKey)));
        Assert.Equal(("eve", "eve-value", false), seen);

        // The same circuit on a page with no tier of its own: the whole pipeline.
        circuit.Navigation.MoveTo("/orders/new");
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", () =>
            seen = (Current.User().Identity?.Name, Current.Session()?.GetString("k"), Current.HttpContext()!.Items.ContainsKey(AppEventMiddleware.MarkerKey)));
        Assert.Equal(("eve", "eve-value", true), seen);
    }

    [Fact]
    public async Task A_none_tier_page_that_requires_authorization_still_authorizes_every_event()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null, "/hot-members");

        await circuit.ClickAsync();

        Assert.Equal(0, circuit.Clicks);
        Assert.Equal("/Account/Login", new Uri(circuit.Navigation.Last!.Value.Uri).AbsolutePath);
    }
}
