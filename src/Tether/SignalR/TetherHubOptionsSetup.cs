using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Tether.SignalR;

/// <summary>
/// Adds <see cref="TetherHubFilter"/> to the global hub filters. Registered with <c>TryAddEnumerable</c>, so calling
/// <c>AddSignalR().AddTether()</c> twice adds the filter once.
/// </summary>
internal sealed class TetherHubOptionsSetup : IConfigureOptions<HubOptions>
{
    public void Configure(HubOptions options) => options.AddFilter<TetherHubFilter>();
}

/// <summary>
/// Adds <see cref="TetherHubFilter"/> to the filters of <typeparamref name="THub"/>, unless the hub already has it from
/// the global filters: SignalR's <c>HubOptionsSetup&lt;THub&gt;</c> copies those into a hub's own options, so
/// <c>AddTether()</c> plus <c>AddTether&lt;THub&gt;()</c> would otherwise run every call through two nested filters.
/// </summary>
internal sealed class TetherHubOptionsSetup<THub>(IEnumerable<IConfigureOptions<HubOptions>> globalSetups) : IPostConfigureOptions<HubOptions<THub>>
    where THub : Hub
{
    public void PostConfigure(string? name, HubOptions<THub> options)
    {
        if (!globalSetups.OfType<TetherHubOptionsSetup>().Any())
        {
            options.AddFilter<TetherHubFilter>();
        }
    }
}
