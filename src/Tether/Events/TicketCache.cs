using Microsoft.AspNetCore.Authentication;

namespace Tether.Events;

/// <summary>
/// The authentication tickets one connection's events read from their cookies, keyed by the ticket format and the
/// cookie's exact text, so a connection whose cookie has not changed deserializes it once, not on every event. Bounded in
/// size and in age as <see cref="UnprotectCache"/> is (<see cref="RecentEntries{TEntry}"/>), with the same
/// <see cref="TetherOptions.UnprotectCacheDuration"/>: a key-ring rotation or revocation takes effect within it.
/// </summary>
/// <remarks>
/// Each event gets a copy of its own (<see cref="AuthenticationTicket.Clone"/>: a new principal, identities and claims,
/// and new properties), never the cached ticket: a handler, a claims transformation or <c>OnValidatePrincipal</c> that
/// changes its user changes that event's copy only. Safe for concurrent events of one connection.
/// </remarks>
internal sealed class TicketCache(TimeSpan duration, TimeProvider clock) : RecentEntries<TicketCache.Entry>(2, duration, clock)
{
    public AuthenticationTicket? Get(object format, string? purpose, string protectedText)
        => Find((format, purpose, protectedText), static (entry, key) => ReferenceEquals(entry.Format, key.format)
            && string.Equals(entry.Purpose, key.purpose, StringComparison.Ordinal)
            && string.Equals(entry.ProtectedText, key.protectedText, StringComparison.Ordinal))?.Ticket.Clone();

    /// <summary>Keeps a copy of <paramref name="ticket"/>: the caller goes on using the one it has.</summary>
    public void Add(object format, string? purpose, string protectedText, AuthenticationTicket ticket)
        => Add(new Entry(format, purpose, protectedText, ticket.Clone()));

    internal sealed record Entry(object Format, string? Purpose, string ProtectedText, AuthenticationTicket Ticket);
}
