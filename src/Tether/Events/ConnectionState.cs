using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Tether.Events;

/// <summary>
/// The state Tether keeps for one long-lived socket connection: the cookies that the event pipeline set on it.
/// </summary>
/// <remarks>
/// A socket cannot deliver <c>Set-Cookie</c> to the browser, so cookies set while an event runs (a new session id, a
/// renewed authentication cookie) are kept here and merged over the handshake cookies for the connection's next events.
/// Without it an anonymous connection would get a new, empty session on every event.
/// Adapters create one per Blazor circuit or SignalR connection; it is safe for concurrent events.
/// </remarks>
internal sealed class ConnectionState
{
    private readonly Lock _lock = new();
    private readonly int _maxSize;
    private readonly TimeProvider _time;
    private Dictionary<string, JarEntry>? _jar;
    private int _version;
    private CookieCache? _cookies;
    private ICookieDelivery? _cookieDelivery;
    private IReadOnlyDictionary<string, string>? _handshakeCookies;
    private int _authenticationFailureReported;
    private ConcurrentDictionary<object, object>? _items;
    private readonly TimeSpan _unprotectCacheDuration;
    private UnprotectCache? _unprotectCache;
    private TicketCache? _ticketCache;

    /// <summary>Creates the state of a new connection.</summary>
    /// <param name="options">Limits to apply; the defaults when <see langword="null"/>.</param>
    public ConnectionState(TetherOptions? options = null)
    {
        options ??= TetherOptions.Default;
        _maxSize = options.MaxCookiesTotalSize;
        _time = options.TimeProvider;
        _unprotectCacheDuration = options.UnprotectCacheDuration;
    }

    /// <summary>
    /// State a feature keeps for the connection, under a key object of the feature's own (the store keys its last event
    /// derived from its cookies); the core holds it without knowing what it is. Safe for concurrent events.
    /// </summary>
    internal ConcurrentDictionary<object, object> Items => _items ?? LazyInitializer.EnsureInitialized(ref _items);

    /// <summary>Cookie payloads this connection's events already unprotected; <see langword="null"/> when the cache is off.</summary>
    /// <remarks>Made by the first unprotect: a connection whose events carry no protected cookie never needs one.</remarks>
    internal UnprotectCache? UnprotectCache => _unprotectCacheDuration <= TimeSpan.Zero
        ? null
        : _unprotectCache ?? LazyInitializer.EnsureInitialized(ref _unprotectCache, () => new UnprotectCache(_unprotectCacheDuration, _time));

    /// <summary>Authentication tickets this connection's events already read; <see langword="null"/> when the cache is off.</summary>
    /// <remarks>Made by the first ticket read, as <see cref="UnprotectCache"/> is.</remarks>
    internal TicketCache? TicketCache => _unprotectCacheDuration <= TimeSpan.Zero
        ? null
        : _ticketCache ?? LazyInitializer.EnsureInitialized(ref _ticketCache, () => new TicketCache(_unprotectCacheDuration, _time));

    /// <summary>Delivers the cookies this connection's events set to its browser; <see langword="null"/> when nothing can.</summary>
    internal ICookieDelivery? CookieDelivery => Volatile.Read(ref _cookieDelivery);

    /// <summary>Attaches the connection's cookie delivery once; returns the one attached first.</summary>
    internal ICookieDelivery AttachCookieDelivery(ICookieDelivery delivery)
        => Interlocked.CompareExchange(ref _cookieDelivery, delivery, null) ?? delivery;

    /// <summary>
    /// Returns the cookies an event on this connection sends: the handshake's, overlaid by those the pipeline set.
    /// A cookie the pipeline deleted is left out. The result is reused until the jar or the handshake cookies change.
    /// </summary>
    internal EventCookies Cookies(IReadOnlyDictionary<string, string> handshakeCookies)
    {
        var cached = Volatile.Read(ref _cookies);
        if (cached is not null && ReferenceEquals(cached.Source, handshakeCookies) && cached.Version == Volatile.Read(ref _version))
        {
            return cached.Cookies;
        }

        lock (_lock)
        {
            var cookies = new EventCookies(Merge(handshakeCookies));
            Volatile.Write(ref _cookies, new CookieCache(handshakeCookies, _version, cookies));
            return cookies;
        }
    }

    private IReadOnlyDictionary<string, string> Merge(IReadOnlyDictionary<string, string> handshakeCookies)
    {
        {
            if (_jar is null || _jar.Count == 0)
            {
                return handshakeCookies;
            }

            var merged = new Dictionary<string, string>(handshakeCookies, StringComparer.Ordinal);
            foreach (var (name, (value, _)) in _jar)
            {
                if (value is null)
                {
                    merged.Remove(name);
                }
                else
                {
                    merged[name] = value;
                }
            }

            return merged;
        }
    }

    /// <summary>
    /// Called with every new handshake of the connection (its first one, and each reconnect). The browser's cookies are
    /// newer than what the jar kept for the same names, so those entries are dropped, except an entry still on its way
    /// to the browser (its handoff not yet expired) that the handshake does not carry yet: the browser may redeem it
    /// after this handshake, and until it does the handshake's value is the older one. Entries whose cookie the previous
    /// handshake carried and this one does not are dropped, pending or not, because the browser deleted it meanwhile (a
    /// sign-out in another tab must not be undone by a renewed ticket the jar still holds). Cookies the browser never
    /// received stay.
    /// </summary>
    internal void Rebase(IReadOnlyDictionary<string, string> handshakeCookies)
    {
        lock (_lock)
        {
            var previous = _handshakeCookies;
            _handshakeCookies = handshakeCookies;
            if (_jar is null)
            {
                return;
            }

            var now = _time.GetUtcNow().UtcTicks;
            foreach (var (name, value) in handshakeCookies)
            {
                if (_jar.TryGetValue(name, out var entry) && entry.PendingUntil > now && entry.Value != value)
                {
                    continue;
                }

                _jar.Remove(name);
            }

            if (previous is not null)
            {
                foreach (var name in previous.Keys)
                {
                    if (!handshakeCookies.ContainsKey(name))
                    {
                        _jar.Remove(name);
                    }
                }
            }

            _version++;
        }
    }

    /// <summary><see langword="true"/> the first time an event of this connection reports a rejected authentication cookie.</summary>
    internal bool FirstAuthenticationFailure() => Interlocked.Exchange(ref _authenticationFailureReported, 1) == 0;

    /// <summary>Takes the <c>Set-Cookie</c> headers of an event's response into the jar.</summary>
    /// <param name="setCookieHeaders">The response's <c>Set-Cookie</c> headers.</param>
    /// <param name="pendingUntil">
    /// When the handoff that delivers these cookies to the browser expires (UTC ticks); 0 when none does.
    /// </param>
    internal void Absorb(IList<string> setCookieHeaders, long pendingUntil = 0)
    {
        // Parsed one header at a time: a malformed one is skipped alone, so it cannot take a sign-out's deletion with it.
        var cookies = new List<SetCookieHeaderValue>(setCookieHeaders.Count);
        foreach (var header in setCookieHeaders)
        {
            if (SetCookieHeaderValue.TryParse(header, out var cookie))
            {
                cookies.Add(cookie);
            }
        }

        if (cookies.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _jar ??= new Dictionary<string, JarEntry>(StringComparer.Ordinal);
            var now = DateTimeOffset.UtcNow;
            foreach (var cookie in cookies)
            {
                var name = cookie.Name.Value;
                if (string.IsNullOrEmpty(name))
                {
                    continue;
                }

                var deleted = cookie.Value.Length == 0
                    || (cookie.Expires is { } expires && expires <= now)
                    || cookie.MaxAge is { } maxAge && maxAge <= TimeSpan.Zero;
                // Stored unescaped, as Request.Cookies hands values out.
                var value = deleted ? null : Uri.UnescapeDataString(cookie.Value.Value ?? string.Empty);

                var size = name.Length + (value?.Length ?? 0);
                foreach (var (n, (v, _)) in _jar)
                {
                    if (n != name)
                    {
                        size += n.Length + (v?.Length ?? 0);
                    }
                }

                // Bounded like the request headers Kestrel accepts: a pipeline that keeps setting new cookies
                // cannot grow a connection's memory without limit.
                if (size > _maxSize)
                {
                    continue;
                }

                _jar[name] = new JarEntry(value, pendingUntil);
            }

            _version++;
        }
    }

    private readonly record struct JarEntry(string? Value, long PendingUntil);

    private sealed record CookieCache(IReadOnlyDictionary<string, string> Source, int Version, EventCookies Cookies);
}
