using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tether;
using Tether.Components;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Extension methods to bridge Blazor Interactive Server circuits.
/// </summary>
public static class TetherComponentsExtensions
{
    /// <summary>
    /// Runs every inbound activity of every Blazor Interactive Server circuit (UI events, JS-to-.NET calls, location
    /// changes) through Tether's event pipeline. Render acknowledgements and JS-call replies skip it.
    /// </summary>
    /// <param name="builder">The <see cref="ITetherBuilder"/> from <c>AddTether()</c>.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static ITetherBuilder AddInteractiveServer(this ITetherBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Scoped<CircuitHandler, TetherCircuitHandler>());
        services.TryAddScoped<AppStateTracker>();
        services.TryAddSingleton(static sp => new PageRoutes(
            sp.GetService<EndpointDataSource>(), sp.GetService<ParameterPolicyFactory>(), sp.GetRequiredService<IOptions<TetherOptions>>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions>, ComponentHubCallFilterSetup>());
        services.TryAddSingleton<InteractiveServerRegistration>();
        return builder;
    }

    /// <summary>
    /// Registers <typeparamref name="TState"/> as a circuit-scoped <see cref="AppState"/> whose snapshot Tether refreshes on every event.
    /// </summary>
    /// <typeparam name="TState">The app state.</typeparam>
    /// <param name="services">The <see cref="IServiceCollection"/>.</param>
    /// <returns>The <paramref name="services"/>.</returns>
    public static IServiceCollection AddAppState<TState>(this IServiceCollection services)
        where TState : AppState
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddScoped<AppStateTracker>();

        // Without AddInteractiveServer() nothing would ever refresh the state: TetherStartupCheck fails start-up then.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<AppStateRegistration, AppStateRegistration<TState>>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TetherStartupCheck>());
        services.TryAddScoped(static sp =>
        {
            var state = ActivatorUtilities.CreateInstance<TState>(sp);
            sp.GetRequiredService<AppStateTracker>().Track(state);
            return state;
        });
        return services;
    }
}
