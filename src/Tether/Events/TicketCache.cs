using Microsoft.AspNetCore.Authentication;

namespace Tether.Events;

/// <summary>
/// The authentication tickets one connection's events read from their cookies, keyed by the ticket format and the
/// cookie's exact text, so a connection whose cookie has not changed deserializes it once, not on every event. Bounded in
/// size and in age as <see cref="UnprotectCache"/> is, with the same <see cref="TetherOptions.UnprotectCacheDuration"/>:
/// a key-ring rotation or revocation takes effect within it.
/// </summary>
/// <remarks>
/// Each event gets a copy of its own (<see cref="AuthenticationTicket.Clone"/>: a new principal, identities and claims,
/// and new properties), never the cached ticket: a handler, a claims transformation or <c>OnValidatePrincipal</c> that
/// changes its user changes that event's copy only. Safe for concurrent events of one connection.
/// </remarks>
internal sealed class TicketCache(TimeSpan duration, TimeProvider clock)
{
    private const int Capacity = 2;

    private readonly long _maxAge = (long)(duration.TotalSeconds * clock.TimestampFrequency);
    private readonly Entry?[] _entries = new Entry?[Capacity];
    private int _next;

    public AuthenticationTicket? Get(object format, string? purpose, string protectedText)
    {
        var now = clock.GetTimestamp();
        lock (_entries)
        {
            foreach (var entry in _entries)
            {
                if (entry is not null && ReferenceEquals(entry.Format, format) && now - entry.Created <= _maxAge
                    && string.Equals(entry.Purpose, purpose, StringComparison.Ordinal)
                    && string.Equals(entry.ProtectedText, protectedText, StringComparison.Ordinal))
                {
                    return entry.Ticket.Clone();
                }
            }
        }

        return null;
    }

    /// <summary>Keeps a copy of <paramref name="ticket"/>: the caller goes on using the one it has.</summary>
    public void Add(object format, string? purpose, string protectedText, AuthenticationTicket ticket)
    {
        var entry = new Entry(format, purpose, protectedText, ticket.Clone(), clock.GetTimestamp());
        lock (_entries)
        {
            _entries[_next] = entry;
            _next = (_next + 1) % Capacity;
        }
    }

    private sealed record Entry(object Format, string? Purpose, string ProtectedText, AuthenticationTicket Ticket, long Created);
}
