namespace Tether.Store;

/// <summary>
/// The store keys a connection's last event derived from its cookies: while the cookies are the same, the next event
/// reuses them instead of decoding the session cookie and deserializing the ticket again (the middleware does both once
/// more anyway, to authenticate). Names only: whether the cookies are still valid is decided by the middleware, every event.
/// </summary>
internal sealed record EventStoreKeys(
    string? SessionCookie,
    string? SessionKey,
    string? AuthCookie,
    string? SignInKey,
    string? UserKey,
    DateTimeOffset? Expires);
