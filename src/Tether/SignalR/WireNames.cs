namespace Tether.SignalR;

/// <summary>
/// The names that Tether's hubs and their clients agree on over the wire. They are a protocol: renaming one breaks every
/// client already deployed.
/// </summary>
/// <remarks>
/// <para>
/// This one file is compiled into Tether and, linked, into Tether.SignalR.Client (which references no Tether assembly),
/// so the server and the .NET client cannot disagree. <c>wwwroot/tether-signalr.js</c> has no build step to share them:
/// it keeps its literals and cites these constants beside each.
/// </para>
/// <para>Concurrency: constants only.</para>
/// </remarks>
internal static class WireNames
{
    /// <summary>The query string key under which clients send the page location when they connect.</summary>
    public const string LocationQueryKey = "tether-location";

    /// <summary>The hub method under which clients report that the page navigated: <c>(location)</c>.</summary>
    public const string Location = "tether:location";

    /// <summary>The client method that tells a client to redeem the cookies an event set: <c>(url, id)</c>.</summary>
    public const string Cookies = "tether:cookies";

    /// <summary>The client method Tether calls when the connection's sign-in was revoked.</summary>
    public const string SignedOut = "tether:signedout";
}
