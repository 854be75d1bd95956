using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.JSInterop;
using static Tether.Tests.Components.CircuitHandlerTests;

namespace Tether.Tests.Components;

/// <summary>
/// A circuit's page events carry their page's endpoint, so ASP.NET Core's own rate limiter (<c>events.UseRateLimiter()</c>)
/// limits a page's clicks by its <c>[EnableRateLimiting]</c>; and one handler of a public page guards itself with
/// <see cref="AppState.AuthorizeAsync"/>. The pages are real Razor component endpoints (<see cref="EndpointPages"/>), the
/// circuit handler is driven as Blazor drives it, with real cookies from real sign-ins over Kestrel.
/// </summary>
public sealed class PageEndpointTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<(string Path, Endpoint? Endpoint)> _endpoints = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services =>
        {
            services.AddRazorComponents().AddInteractiveServerComponents();
            services.AddTether().AddInteractiveServer();
            services.AddAppState<TestState>();
            services.AddScoped<NavigationManager, TestNavigation>();
            services.AddScoped<AuthenticationStateProvider, ServerAuthenticationStateProvider>();
            services.AddScoped<IJSRuntime, RecordingJSRuntime>();
            services.AddAuthorizationBuilder().AddPolicy("admins", policy => policy.RequireRole("admin"));
            services.AddTestRateLimits();
        },
        events: events =>
        {
            events.Use((context, next) =>
            {
                _endpoints.Enqueue((context.Request.Path.Value!, context.GetEndpoint()));
                return next(context);
            });
            events.UseRateLimiter();
        },
        map: app =>
        {
            app.UseAntiforgery();
            app.MapRazorComponents<TestRoot>().AddInteractiveServerRenderMode();
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_event_middleware_of_a_page_event_sees_the_pages_endpoint_and_its_attributes()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null, "/limited");

        await circuit.ClickAsync();

        var (path, endpoint) = Assert.Single(_endpoints);
        Assert.Equal("/limited", path);
        Assert.Equal(typeof(EndpointPages.LimitedPage), endpoint?.Metadata.GetMetadata<ComponentTypeMetadata>()?.Type);
        Assert.Equal(TestRateLimits.TwoPerHour, endpoint?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName);
        Assert.Equal("/limited", (endpoint as RouteEndpoint)?.RoutePattern.RawText);
    }

    [Fact]
    public async Task The_rate_limiter_refuses_a_pages_clicks_beyond_its_limit_and_the_circuit_goes_on()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=rae");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/limited");

        await circuit.ClickAsync();
        await circuit.ClickAsync();
        Assert.Null(circuit.State.DeniedStatusCode);
        await circuit.ClickAsync();

        Assert.Equal(2, circuit.Clicks);
        Assert.Equal(StatusCodes.Status429TooManyRequests, circuit.State.DeniedStatusCode);

        // The circuit is not closed: its own activities still run, and a click on a page with no limit runs at once.
        var ran = false;
        await circuit.ActivityAsync("OnLocationChanged", () => ran = true);
        Assert.True(ran);
        circuit.Navigation.MoveTo("/unlimited");
        Assert.Equal("rae", (await circuit.ClickAsync())?.Identity?.Name);
        Assert.Equal(3, circuit.Clicks);
        Assert.Null(circuit.State.DeniedStatusCode);

        // Another user has a limit of their own.
        using var other = _app.NewBrowser();
        await other.GetAsync("/signin?name=sol");
        await using var theirs = Circuit.Open(_app, other.CookieHeader, "/limited");
        await theirs.ClickAsync();
        Assert.Equal(1, theirs.Clicks);
    }

    [Fact]
    public async Task The_global_limiter_limits_every_page_event_but_on_a_page_that_disables_rate_limiting()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=" + TestRateLimits.GloballyLimitedPrefix + "gil");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/unlimited");

        await circuit.ClickAsync();
        await circuit.ClickAsync();
        Assert.Equal(1, circuit.Clicks);
        Assert.Equal(StatusCodes.Status429TooManyRequests, circuit.State.DeniedStatusCode);

        circuit.Navigation.MoveTo("/exempt");
        await circuit.ClickAsync();
        await circuit.ClickAsync();
        Assert.Equal(3, circuit.Clicks);
    }

    [Fact]
    public async Task A_handler_of_a_public_page_that_requires_a_policy_sends_an_anonymous_user_to_the_login_page_and_back()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null, "/catalogue?page=2");

        var (allowed, acted) = await circuit.ActAsAdminAsync("admins");

        Assert.False(allowed);
        Assert.False(acted);
        var (uri, forceLoad) = circuit.Navigation.Last!.Value;
        Assert.True(forceLoad);
        Assert.Equal("/Account/Login", new Uri(uri).AbsolutePath);
        Assert.Equal("?ReturnUrl=%2Fcatalogue%3Fpage%3D2", new Uri(uri).Query);
    }

    [Fact]
    public async Task A_handler_of_a_public_page_that_requires_a_policy_forbids_a_signed_in_user_who_does_not_meet_it()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=cal");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/catalogue");

        var (allowed, acted) = await circuit.ActAsAdminAsync("admins");

        Assert.False(allowed);
        Assert.False(acted);
        Assert.Equal(StatusCodes.Status403Forbidden, circuit.State.DeniedStatusCode);
        Assert.Null(circuit.Navigation.Last);

        // The page itself stays public: the same user's next click on it runs, and the status clears.
        Assert.Equal("cal", (await circuit.ClickAsync())?.Identity?.Name);
        Assert.Null(circuit.State.DeniedStatusCode);
    }

    [Fact]
    public async Task A_handler_of_a_public_page_that_requires_a_policy_runs_for_a_user_who_meets_it()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=ada&role=admin");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/catalogue");

        var (allowed, acted) = await circuit.ActAsAdminAsync("admins");

        Assert.True(allowed);
        Assert.True(acted);
        Assert.Null(circuit.State.DeniedStatusCode);
        Assert.Null(circuit.Navigation.Last);
    }

    [Fact]
    public async Task A_handler_policy_that_cannot_be_evaluated_refuses_the_handler_and_keeps_the_circuit()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=bo&role=admin");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader, "/catalogue");

        var (allowed, acted) = await circuit.ActAsAdminAsync("no-such-policy");

        Assert.False(allowed);
        Assert.False(acted);
        Assert.Equal(StatusCodes.Status500InternalServerError, circuit.State.DeniedStatusCode);
    }
}

/// <summary>The pages of <see cref="PageEndpointTests"/>: what MapRazorComponents finds in this assembly.</summary>
public static class EndpointPages
{
    [Route("/limited")]
    [EnableRateLimiting(TestRateLimits.TwoPerHour)]
    public sealed class LimitedPage : ComponentBase;

    [Route("/unlimited")]
    public sealed class UnlimitedPage : ComponentBase;

    [Route("/exempt")]
    [DisableRateLimiting]
    public sealed class ExemptPage : ComponentBase;

    [Route("/catalogue")]
    public sealed class CataloguePage : ComponentBase;
}

internal static class AdminActions
{
    /// <summary>A click whose handler guards itself with <paramref name="policy"/>, then acts.</summary>
    public static async Task<(bool Allowed, bool Acted)> ActAsAdminAsync(this Circuit circuit, string policy)
    {
        var allowed = false;
        var acted = false;
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", async () =>
        {
            allowed = await circuit.State.AuthorizeAsync(policy);
            if (allowed)
            {
                acted = true;
            }
        });
        return (allowed, acted);
    }
}
