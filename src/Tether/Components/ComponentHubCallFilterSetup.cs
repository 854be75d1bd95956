using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Tether.Components;

/// <summary>
/// Adds <see cref="ComponentHubCallFilter"/> to the global hub filters, which Blazor's hub inherits. Registered with
/// <c>TryAddEnumerable</c>, so the filter is added once however often <c>AddInteractiveServer()</c> is called.
/// </summary>
/// <remarks>Concurrency: stateless; run once, when the hub options are built.</remarks>
internal sealed class ComponentHubCallFilterSetup : IConfigureOptions<HubOptions>
{
    public void Configure(HubOptions options) => options.AddFilter(new ComponentHubCallFilter());
}
