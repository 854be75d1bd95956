using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tether.Authentication;

/// <summary>
/// Wraps the events of the revocable cookie scheme, after the app's and Identity's own configuration have set them.
/// </summary>
internal sealed class RevocableCookieOptionsSetup(
    IServiceProvider services,
    IOptions<RevocableSignInOptions> options,
    ILoggerFactory loggers) : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions cookie)
    {
        // Resolved here, not injected: RevocableScheme reads CookieAuthenticationOptions itself.
        var scheme = (RevocableScheme)services.GetService(typeof(RevocableScheme))!;
        if (name != scheme.Name || cookie.Events is RevocableCookieEvents)
        {
            return;
        }

        if (cookie.EventsType is not null)
        {
            throw new InvalidOperationException(
                $"The cookie scheme '{name}' sets CookieAuthenticationOptions.EventsType, which Tether's revocable sign-in cannot wrap. " +
                "Set CookieAuthenticationOptions.Events to an instance instead.");
        }

        var store = (SignInStore)services.GetService(typeof(SignInStore))!;
        cookie.Events = new RevocableCookieEvents(cookie.Events ?? new CookieAuthenticationEvents(), scheme, store, options, loggers.CreateLogger<RevocableCookieEvents>(),
            (Diagnostics.TetherMetrics?)services.GetService(typeof(Diagnostics.TetherMetrics)));
    }
}
