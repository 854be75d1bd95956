using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether.SignalR;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Extension methods to bridge SignalR hubs.
/// </summary>
public static class TetherSignalRExtensions
{
    /// <summary>
    /// Runs every call of every hub of the app (Blazor's own hub excepted) through Tether's event pipeline.
    /// Do not combine with <see cref="AddTether{THub}(ISignalRServerBuilder)"/> for the same hub.
    /// </summary>
    /// <param name="builder">The builder from <c>AddSignalR()</c>.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static ISignalRServerBuilder AddTether(this ISignalRServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddServices(builder.Services);
        builder.Services.Configure<HubOptions>(options => options.AddFilter<TetherHubFilter>());
        return builder;
    }

    /// <summary>
    /// Runs every call of <typeparamref name="THub"/> through Tether's event pipeline.
    /// </summary>
    /// <typeparam name="THub">The hub to bridge.</typeparam>
    /// <param name="builder">The builder from <c>AddSignalR()</c>.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static ISignalRServerBuilder AddTether<THub>(this ISignalRServerBuilder builder)
        where THub : Hub
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddServices(builder.Services);
        builder.AddHubOptions<THub>(options => options.AddFilter<TetherHubFilter>());
        return builder;
    }

    private static void AddServices(IServiceCollection services)
    {
        services.AddTether();
        services.TryAddSingleton<TetherHubFilter>();
    }
}
