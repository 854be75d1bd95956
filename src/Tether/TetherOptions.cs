using Microsoft.AspNetCore.Http;

namespace Tether;

/// <summary>
/// Options for Tether's event bridge and its handshake guard.
/// </summary>
public class TetherOptions
{
    internal static readonly TetherOptions Default = new();

    /// <summary>
    /// Whether the event pipeline runs the app's <c>SessionMiddleware</c>. Requires <c>AddSession()</c>. Defaults to <see langword="true"/>.
    /// </summary>
    public bool UseSession { get; set; } = true;

    /// <summary>
    /// Whether sessions commit only what a request or event changed, merged over the store's current value with
    /// compare-and-set, so concurrent writers of one session (tabs, circuits, hub connections, HTTP requests) never lose
    /// each other's writes, and <c>ISession.UpdateAsync</c> is atomic. Defaults to <see langword="true"/>; needs
    /// <c>AddSession()</c> before <c>AddTether()</c> and a cache with an <see cref="IDistributedCacheCompareAndSet"/>
    /// (the memory cache and Tether.Redis have one). <see langword="false"/> keeps ASP.NET Core's <c>DistributedSession</c>,
    /// which commits the whole session. Both write the same bytes, so switching loses no session.
    /// </summary>
    public bool MergeSessions { get; set; } = true;

    /// <summary>
    /// Whether the event pipeline runs the app's <c>AuthenticationMiddleware</c>. Requires <c>AddAuthentication()</c>. Defaults to <see langword="true"/>.
    /// </summary>
    public bool UseAuthentication { get; set; } = true;

    /// <summary>
    /// The most request headers copied from a handshake into events. Defaults to 100, Kestrel's own limit.
    /// </summary>
    public int MaxHeaderCount { get; set; } = 100;

    /// <summary>
    /// The most bytes of request headers (the <c>Cookie</c> header aside) copied from a handshake into events.
    /// Defaults to 32 KB, Kestrel's own limit.
    /// </summary>
    public int MaxHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>
    /// The most bytes of cookies copied from a handshake, and, separately, kept in a connection's cookie jar from what
    /// its events set. Defaults to 32 KB, Kestrel's own limit for the request headers that carry them.
    /// </summary>
    public int MaxCookiesTotalSize { get; set; } = 32 * 1024;

    /// <summary>
    /// The longest page location a client may report; events at a longer one are refused. Defaults to 8 KB, Kestrel's
    /// request line limit.
    /// </summary>
    public int MaxLocationLength { get; set; } = 8 * 1024;

    /// <summary>
    /// Origins, besides the request's own, whose pages may open a Tether-guarded socket
    /// (for example <c>https://admin.example.com</c>). Compared by scheme, host and port.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>
    /// Whether a handshake without an <c>Origin</c> header (a non-browser client) is allowed. Defaults to <see langword="true"/>:
    /// browsers always send <c>Origin</c> on WebSocket and cross-origin requests, so a missing one is not a cross-site page.
    /// </summary>
    public bool AllowRequestsWithoutOrigin { get; set; } = true;

    /// <summary>
    /// How long an unprotected authentication ticket or session key is reused for the same cookie value on the same
    /// connection before it is unprotected again. Defaults to 1 minute; <see cref="TimeSpan.Zero"/> disables the cache.
    /// </summary>
    /// <remarks>
    /// The cookie authentication handler still checks the ticket's expiry and runs its validation events on every event,
    /// and the session store still decides on every event whether the session exists; only the decryption is skipped.
    /// </remarks>
    public TimeSpan UnprotectCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The clock that ages the unprotect cache and the cookie handoffs. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// The path (under the app's path base) at which browsers redeem the cookies that an event set, so that a session
    /// created, a sign-in or sign-out done, or a ticket renewed inside an event reaches the browser as real
    /// <c>Set-Cookie</c> headers. Defaults to <c>/_tether/cookies</c>; <see cref="PathString.Empty"/> turns the cookie
    /// handoff off, and cookies set by events then live only in the connection's cookie jar.
    /// </summary>
    public PathString CookieHandoffPath { get; set; } = new("/_tether/cookies");

    /// <summary>
    /// How long the browser has to redeem the cookies of one event; an id not redeemed by then is refused and leaves the
    /// store. Defaults to 30 seconds, which is also the longest allowed.
    /// </summary>
    public TimeSpan CookieHandoffLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The <see cref="EventTier"/> of events whose target says nothing else (no <see cref="EventTierAttribute"/>, no
    /// answer from <see cref="EventTierResolver"/>). Defaults to <see cref="EventTier.Full"/>.
    /// </summary>
    /// <remarks>
    /// There is no "smart" default that guesses which events need the bridge: a handler reaches the context through
    /// <see cref="Current"/>, <see cref="Ambient"/>, an <c>AppState</c> or a service it resolves, none of which can be
    /// seen before it runs, and an event that skips authentication also skips the revocation check and the app's event
    /// middleware guards. Lower the tier where you know, per page, hub or method.
    /// </remarks>
    public EventTier DefaultEventTier { get; set; } = EventTier.Full;

    /// <summary>
    /// Decides the <see cref="EventTier"/> of a target that carries no <see cref="EventTierAttribute"/>; returns
    /// <see langword="null"/> to leave it to <see cref="DefaultEventTier"/>. Called once per target (a page, a hub method),
    /// and cached. Whatever it answers, events that need authorization or carry an upload run at least
    /// <see cref="EventTier.AuthOnly"/>.
    /// </summary>
    public Func<EventTierContext, EventTier?>? EventTierResolver { get; set; }
}
