using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Tether.Components;

/// <summary>
/// Adds <see cref="CircuitActivityHubFilter"/> to the global hub filters, which Blazor's hub inherits. Registered with
/// <c>TryAddEnumerable</c>, so the filter is added once however often <c>AddInteractiveServer()</c> is called.
/// </summary>
internal sealed class CircuitActivityHubOptionsSetup : IConfigureOptions<HubOptions>
{
    public void Configure(HubOptions options) => options.AddFilter(new CircuitActivityHubFilter());
}
