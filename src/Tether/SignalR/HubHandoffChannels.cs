using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Tether.Handoff;

namespace Tether.SignalR;

/// <summary>
/// Gives a bridged hub connection its cookie handoff channel: cookies an event sets are handed to the browser through a
/// redemption the client is told about with <see cref="TetherHubFilter.CookiesMethodName"/>.
/// </summary>
/// <remarks>
/// One instance per filter, called from every connection's thread. Its cache of hub contexts (one per hub type) is a
/// <see cref="ConcurrentDictionary{TKey, TValue}"/>; a race resolves the same singleton twice. A connection's channel is
/// attached through <see cref="Events.ConnectionState.AttachCookieDelivery"/>, which keeps the first.
/// </remarks>
internal sealed class HubHandoffChannels(CookieHandoff handoff, IServiceProvider services)
{
    private readonly ConcurrentDictionary<Type, IHubContext<Hub>> _hubContexts = new();

    /// <summary>Attaches a channel to <paramref name="connection"/> unless it has one, or the handoff is off.</summary>
    /// <param name="connection">Tether's state of the connection.</param>
    /// <param name="caller">The connection, whose id the client is told through.</param>
    /// <param name="hub">The hub type, whose <c>IHubContext&lt;THub&gt;</c> reaches its clients.</param>
    public void EnsureAttached(BridgedHubConnection connection, HubCallerContext caller, Type hub)
    {
        if (connection.Connection.CookieDelivery is not null || !handoff.Enabled)
        {
            return;
        }

        // The client is told through the hub's context rather than the hub instance, which is gone after the call.
        var hubContext = _hubContexts.GetOrAdd(hub, static (type, sp) =>
            (IHubContext<Hub>)sp.GetRequiredService(typeof(IHubContext<>).MakeGenericType(type)), services);
        var connectionId = caller.ConnectionId;
        if (handoff.CreateChannel(connection.Request, (url, id) => hubContext.Clients.Client(connectionId).SendAsync(TetherHubFilter.CookiesMethodName, url, id)) is { } channel)
        {
            connection.Connection.AttachCookieDelivery(channel);
        }
    }
}
