using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tether;
using Tether.Authentication;
using Tether.Components;
using Tether.Events;
using Tether.Handoff;
using Tether.Handshake;

namespace Microsoft.AspNetCore.Builder;

/// <summary>
/// Extension methods to build Tether's event pipeline.
/// </summary>
public static class TetherApplicationBuilderExtensions
{
    /// <summary>
    /// Builds the event pipeline that every socket event runs through: the app's <c>SessionMiddleware</c> and
    /// <c>AuthenticationMiddleware</c>, then the middleware <paramref name="configureEvents"/> adds. It also guards
    /// socket handshakes with the Origin allow-list of <see cref="TetherOptions"/>, and binds ordinary HTTP requests to
    /// <see cref="Current"/> and <see cref="Ambient.Request"/> too. Place it after <c>UseSession()</c>, <c>UseAuthentication()</c>
    /// and <c>UseRouting()</c>
    /// when the app calls that itself.
    /// </summary>
    /// <param name="app">The <see cref="IApplicationBuilder"/>.</param>
    /// <param name="configureEvents">
    /// Adds the app's own middleware for events (localization, tenant resolution, a policy check). It runs after
    /// session and authentication, on events only; HTTP requests keep the app's main pipeline.
    /// </param>
    /// <returns>The <see cref="IApplicationBuilder"/>.</returns>
    /// <exception cref="InvalidOperationException">A service the event pipeline needs was not registered.</exception>
    public static IApplicationBuilder UseTether(this IApplicationBuilder app, Action<IApplicationBuilder>? configureEvents = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        var services = app.ApplicationServices;
        var pipeline = services.GetService<EventPipeline>()
            ?? throw new InvalidOperationException(
                "Unable to find Tether's services. Call builder.Services.AddTether() before app.UseTether().");
        if (pipeline.IsBuilt)
        {
            throw new InvalidOperationException("app.UseTether() was called twice; the event pipeline is built once.");
        }

        var options = services.GetRequiredService<IOptions<TetherOptions>>().Value;
        if (options.UseSession && services.GetService<ISessionStore>() is null)
        {
            throw new InvalidOperationException(
                "Tether runs the app's session middleware on every event, but no session services are registered. " +
                "Call builder.Services.AddSession(), or set TetherOptions.UseSession = false.");
        }

        if (options.UseAuthentication && services.GetService<IAuthenticationSchemeProvider>() is null)
        {
            throw new InvalidOperationException(
                "Tether runs the app's authentication middleware on every event, but no authentication services are registered. " +
                "Call builder.Services.AddAuthentication(...), or set TetherOptions.UseAuthentication = false.");
        }

        if (services.GetService<RevocableScheme>() is { } revocable)
        {
            ValidateRevocableScheme(services, revocable);
        }

        var guard = ActivatorUtilities.CreateInstance<HandshakeOriginGuard>(services);
        var handoff = services.GetRequiredService<CookieHandoff>();
        handoff.WarnIfNoStore();
        Tether.Sessions.SessionRegistration.WarnIfCommittedWhole(services, options);
        var redemption = services.GetRequiredService<CookieRedemptionEndpoint>();
        var resync = services.GetRequiredService<CookieResyncEndpoint>();
        app.Use((context, next) =>
        {
            if (HandshakeOriginGuard.IsHandshake(context))
            {
                // The socket's request lives as long as the connection: binding it would leave it ambient
                // between events. Events bind their own context.
                if (!guard.IsAllowed(context.Request))
                {
                    return guard.RejectAsync(context);
                }

                // The binding cookie that the connection's cookie handoffs are redeemable with (see BindingCookie).
                handoff.EnsureBindingCookie(context);

                // Every flow of the connection inherits this request in IHttpContextAccessor: it must never hand it out.
                Tether.Accessors.SocketRequest.Mark(context);
                return next(context);
            }

            if (redemption.Path.HasValue && context.Request.Path.Equals(redemption.Path, StringComparison.OrdinalIgnoreCase))
            {
                return redemption.InvokeAsync(context);
            }

            if (resync.Path.HasValue && context.Request.Path.Equals(resync.Path, StringComparison.OrdinalIgnoreCase))
            {
                return resync.InvokeAsync(context);
            }

            return BindAsync(context, next);
        });

        pipeline.Build(app, options, EventPipelineComposition.Compose(services, options), configureEvents);
        services.GetService<PageRoutes>()?.Initialize(services.GetService<IAuthorizationPolicyProvider>());

        return app;
    }

    private static void ValidateRevocableScheme(IServiceProvider services, RevocableScheme revocable)
    {
        var name = revocable.Name;
        var scheme = services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(name).GetAwaiter().GetResult();
        if (scheme is null || !typeof(CookieAuthenticationHandler).IsAssignableFrom(scheme.HandlerType))
        {
            throw new InvalidOperationException(
                $"AddRevocableSignIn() makes the sign-ins of the cookie scheme '{name}' revocable, but there is no cookie authentication scheme of that name. " +
                "Call AddCookie() (or AddIdentity()), or set RevocableSignInOptions.Scheme.");
        }

        if (services.GetService<IDistributedCache>() is null)
        {
            throw new InvalidOperationException(
                "AddRevocableSignIn() keeps its records in the app's IDistributedCache, but none is registered. Call AddDistributedMemoryCache() or a distributed cache of your choice.");
        }

        // Builds the scheme's options now, so a configuration Tether cannot wrap fails at start-up, not on the first request.
        _ = revocable.Cookie;
    }

    // HTTP requests bind their own context too, so code shared by pages, prerendering and events reads
    // Current.User() or Ambient.Request the same way everywhere.
    private static async Task BindAsync(HttpContext context, RequestDelegate next)
    {
        var box = AmbientContext.Bind(context);
        try
        {
            await next(context);
        }
        finally
        {
            box.Clear();
        }
    }
}
