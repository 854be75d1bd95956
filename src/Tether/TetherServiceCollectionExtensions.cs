using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tether;
using Tether.Events;
using Tether.Store;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Extension methods to add Tether's event bridge to an <see cref="IServiceCollection"/>.
/// </summary>
public static class TetherServiceCollectionExtensions
{
    /// <summary>
    /// Adds the services of Tether's event bridge. Call <c>app.UseTether()</c> to build the event pipeline.
    /// </summary>
    /// <param name="services">The <see cref="IServiceCollection"/> to add the services to.</param>
    /// <returns>A <see cref="ITetherBuilder"/> to add adapters (Blazor, SignalR) to.</returns>
    public static ITetherBuilder AddTether(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<TetherOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TetherOptions>, TetherOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TetherStartupCheck>());
        services.TryAddSingleton<EventPipeline>();
        services.TryAddSingleton<EventBridge>();
        // Inside an event, IHttpContextAccessor is the event's context, so SignInManager and every library that finds its
        // context through it works in circuits and hub calls (dotnet/aspnetcore#13601, #27772).
        Tether.Accessors.HttpContextAccessorBinding.Add(services);
        services.TryAddSingleton(static services => new EventStoreCache(
            services.GetRequiredService<IDistributedCache>(), services.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>()));
        Tether.Sessions.SessionRegistration.Add(services);
        // Instruments come from the app's IMeterFactory, as ASP.NET Core's own do (AddMetrics is idempotent, and the
        // hosting builders call it already).
        services.AddMetrics();
        services.TryAddSingleton<Tether.Diagnostics.TetherMetrics>();
        // The core's view of the meter: the bridge asks it whether anything listens (none when an app removed the meter).
        services.TryAddSingleton<IEventObserver>(static sp => sp.GetService<Tether.Diagnostics.TetherMetrics>()!);
        services.TryAddSingleton<Tether.Handoff.CookieHandoffStore>();
        services.TryAddSingleton<Tether.Handoff.SameOriginPost>();
        services.TryAddSingleton<Tether.Handoff.CookieRedemptionEndpoint>();
        services.TryAddSingleton<Tether.Handoff.CookieResyncEndpoint>();
        services.TryAddSingleton<Tether.Handoff.CookieHandoff>();
        services.TryAddSingleton<Tether.Handoff.CookieResync>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<CookieAuthenticationOptions>, CookieUnprotectCacheSetup>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, CookieUnprotectCacheSetup>());
        // A sign-in or sign-out inside an event shows its user in that event (the render it causes), not from the next.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<CookieAuthenticationOptions>, Tether.Authentication.EventSignInCookieSetup>());
        return new TetherBuilder(services);
    }

    /// <summary>
    /// Adds the services of Tether's event bridge. Call <c>app.UseTether()</c> to build the event pipeline.
    /// </summary>
    /// <param name="services">The <see cref="IServiceCollection"/> to add the services to.</param>
    /// <param name="configure">Configures <see cref="TetherOptions"/>.</param>
    /// <returns>A <see cref="ITetherBuilder"/> to add adapters (Blazor, SignalR) to.</returns>
    public static ITetherBuilder AddTether(this IServiceCollection services, Action<TetherOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = services.AddTether();
        services.Configure(configure);
        return builder;
    }
}
