using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Tether.Events;

namespace Tether.Handoff;

/// <summary>
/// Hands the cookies that an event's pipeline set over to the browser. A socket cannot carry <c>Set-Cookie</c>, so the
/// headers are stored in the app's <see cref="IDistributedCache"/> under a one-time id, the browser is told the id over
/// the connection, and it redeems the id with a same-origin POST whose response carries the real headers.
/// </summary>
/// <remarks>
/// <para>
/// This is the handoff's face to the adapters and to start-up. Its parts, one job each:
/// <list type="bullet">
/// <item><description><see cref="BindingCookie"/>: ties a handoff to the one browser that holds the connection.</description></item>
/// <item><description><see cref="CookieHandoffStore"/>: the one-time entries in the cache, and their byte format.</description></item>
/// <item><description><see cref="CookieHandoffChannel"/>: one connection's queue of handoffs, told in order.</description></item>
/// <item><description><see cref="CookieRedemptionEndpoint"/> and <see cref="CookieResyncEndpoint"/>: the two endpoints,
/// which share one request check, <see cref="SameOriginPost"/>.</description></item>
/// <item><description><see cref="CookieResync"/>: the circuits whose cookies the browser can resync.</description></item>
/// </list>
/// </para>
/// <para>Concurrency: no mutable state (the fields are set once, in the constructor); any thread may call it.</para>
/// </remarks>
internal sealed class CookieHandoff(CookieHandoffStore store, IOptions<TetherOptions> options)
{
    private readonly PathString _path = options.Value.CookieHandoffPath;

    /// <summary>Whether cookies can be handed off: a path is configured and a store is registered.</summary>
    public bool Enabled => store.Enabled;

    /// <inheritdoc cref="CookieHandoffStore.WarnIfNoStore"/>
    public void WarnIfNoStore() => store.WarnIfNoStore();

    /// <summary>
    /// Creates the handoff channel of a connection, or <see langword="null"/> when the handoff is off.
    /// </summary>
    /// <param name="handshake">The connection's handshake.</param>
    /// <param name="notify">Tells the connection's browser to redeem an id at a URL (path base and path).</param>
    public CookieHandoffChannel? CreateChannel(EventRequest handshake, Func<string, string, Task> notify)
        => Enabled ? new CookieHandoffChannel(store, handshake, handshake.PathBase.Add(_path).Value!, notify) : null;

    /// <summary>Gives a browser that opens a socket without a binding cookie a new one, when the handoff is on.</summary>
    public void EnsureBindingCookie(HttpContext context)
    {
        if (Enabled)
        {
            BindingCookie.Ensure(context);
        }
    }
}
