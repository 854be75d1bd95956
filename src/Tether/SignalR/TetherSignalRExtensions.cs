using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Tether.SignalR;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Extension methods to bridge SignalR hubs.
/// </summary>
public static class TetherSignalRExtensions
{
    /// <summary>
    /// Runs every call of every hub of the app (Blazor's own hub excepted) through Tether's event pipeline.
    /// Idempotent, and combines with <see cref="AddTether{THub}(ISignalRServerBuilder)"/>: a hub is bridged once however
    /// often it is registered.
    /// </summary>
    /// <param name="builder">The builder from <c>AddSignalR()</c>.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static ISignalRServerBuilder AddTether(this ISignalRServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddServices(builder.Services);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HubOptions>, TetherHubOptionsSetup>());
        return builder;
    }

    /// <summary>
    /// Runs every call of <typeparamref name="THub"/> through Tether's event pipeline. Idempotent, and combines with
    /// <see cref="AddTether(ISignalRServerBuilder)"/>.
    /// </summary>
    /// <typeparam name="THub">The hub to bridge.</typeparam>
    /// <param name="builder">The builder from <c>AddSignalR()</c>.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static ISignalRServerBuilder AddTether<THub>(this ISignalRServerBuilder builder)
        where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddServices(builder.Services);
        if (!builder.Services.Any(static d => !d.IsKeyedService && d.ImplementationType == typeof(TetherHubOptionsSetup<THub>)))
        {
            // AddHubOptions registers SignalR's HubOptionsSetup<THub>, which makes the hub use its own options (a copy of
            // the global ones, global filters included). Tether's filter is added after it, in a post-configure step.
            builder.AddHubOptions<THub>(static _ => { });
            builder.Services.AddSingleton<IPostConfigureOptions<HubOptions<THub>>, TetherHubOptionsSetup<THub>>();
        }

        return builder;
    }

    private static void AddServices(IServiceCollection services)
    {
        services.AddTether();
        services.TryAddSingleton<TetherHubFilter>();
    }
}
