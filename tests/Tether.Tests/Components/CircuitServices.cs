using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.JSInterop;
using static Tether.Tests.Components.CircuitHandlerTests;

namespace Tether.Tests.Components;

/// <summary>The services a <see cref="Circuit"/> of the test app needs, registered once for every test class that opens one.</summary>
internal static class CircuitServices
{
    /// <summary>
    /// Tether's circuit handler and app state, with Blazor's server-side authentication state, and stand-ins for Blazor's
    /// navigation and the browser's side of JS interop.
    /// </summary>
    public static IServiceCollection AddTestCircuits(this IServiceCollection services)
    {
        services.AddTether().AddInteractiveServer();
        services.AddAppState<TestState>();
        services.AddScoped<NavigationManager, TestNavigation>();
        services.AddScoped<AuthenticationStateProvider, ServerAuthenticationStateProvider>();

        // The browser's side of JS interop cannot run here: calls (cookie handoffs) are recorded instead.
        services.AddScoped<IJSRuntime, RecordingJSRuntime>();
        return services;
    }

    /// <summary>A circuit at <paramref name="location"/>, opened by a browser signed in as <paramref name="name"/>, in <paramref name="role"/> when one is given.</summary>
    public static async Task<Circuit> OpenCircuitAsync(this CoreTestApp app, string location, string name, string? role = null)
    {
        using var browser = await app.SignedInBrowserAsync(name, role);
        return Circuit.Open(app, browser.CookieHeader, location);
    }
}
