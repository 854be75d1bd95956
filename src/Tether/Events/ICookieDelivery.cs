using Microsoft.Extensions.Primitives;

namespace Tether.Events;

/// <summary>
/// How the cookies a connection's events set reach its browser, which a socket cannot send <c>Set-Cookie</c> to (the
/// cookie handoff, Handoff/, implements it: a one-time id the browser redeems over HTTP). The core hands it what an
/// event set and knows nothing more.
/// </summary>
internal interface ICookieDelivery
{
    /// <summary>Until when (UTC ticks) the cookies sent now are awaiting the browser; the jar keeps them that long.</summary>
    long PendingUntil();

    /// <summary>Takes the <c>Set-Cookie</c> headers of one event to the browser, after the event.</summary>
    void Send(StringValues setCookies, long pendingUntil);
}
