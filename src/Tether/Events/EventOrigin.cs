using System.Collections;
using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// Where an event came from, for its log scope: the transport, the connection, and the hub method or circuit activity.
/// A value, so an adapter names its events without allocating when nothing logs.
/// </summary>
/// <param name="Transport"><c>SignalR</c> or <c>Blazor</c>.</param>
/// <param name="ConnectionId">The SignalR connection id, or the circuit id.</param>
/// <param name="ActivityKey">The scope key of <paramref name="Activity"/>: <c>HubMethod</c> or <c>CircuitActivity</c>.</param>
/// <param name="Activity">The hub method, or the circuit activity (the <c>ComponentHub</c> method that caused it).</param>
internal readonly record struct EventOrigin(string? Transport, string? ConnectionId, string? ActivityKey, string? Activity);

/// <summary>The state of an event's log scope: structured values for providers, one line for text output.</summary>
internal sealed class EventLogScope(EventOrigin origin, PathString path) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Transport", origin.Transport),
        1 => new("ConnectionId", origin.ConnectionId),
        2 => new(origin.ActivityKey ?? "Activity", origin.Activity),
        3 => new("Path", path.Value),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString()
        => $"Tether {origin.Transport ?? "event"} {origin.ConnectionId} {origin.Activity} {path.Value}";
}
