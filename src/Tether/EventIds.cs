namespace Tether;

/// <summary>
/// The one registry of Tether's log event ids. Every <c>[LoggerMessage]</c> of the library takes its id from here, so
/// ids stay unique across the core and the adapters, and dashboards and filters that key on them stay valid.
/// </summary>
/// <remarks>
/// Ranges: 1–19 the event bridge and handshake guard; 20–29 the Blazor adapter; 30–39 the SignalR adapter;
/// 100–149 revocable sign-in; 150–199 cookie handoff; 200–219 event tiers and page authorization; 220–239 sessions.
/// A retired id is never reused: it stays listed here, commented out, with what it meant.
/// </remarks>
internal static class EventIds
{
    public const int EventStarted = 1;
    public const int EventShortCircuited = 2;
    public const int AuthenticationFailed = 3;
    public const int LocationRejected = 4;
    public const int HandlerFailed = 5;

    // 6: retired (never shipped in a release; do not reuse).
    public const int OriginRejected = 7;
    public const int AuthenticationFailedAgain = 8;

    public const int NoHandshake = 20;
    public const int CircuitSessionUnavailable = 21;
    public const int CircuitActivity = 22;

    public const int HubSessionUnavailable = 30;

    public const int SignInRevoked = 100;
    public const int SignInStoreUnavailable = 101;
    public const int SignInNotRevocable = 102;
    public const int CircuitRevalidated = 110;
    public const int CircuitRevalidationFailed = 111;
    public const int HubSignedOut = 112;
    public const int HubSignedOutNotDelivered = 113;
    public const int RevocationNotifyFailed = 114;
    public const int HubStillSignedIn = 115;
    public const int HubRecheckFailed = 116;

    public const int CookieHandoffStored = 150;
    public const int CookieHandoffFailed = 151;
    public const int CookieHandoffUnbound = 152;
    public const int CookieRedemptionRefused = 153;
    public const int CookieRedeemed = 154;
    public const int CookieHandoffWithoutStore = 155;
    public const int CookieResyncNotTold = 156;

    public const int PageAuthorizationFailed = 200;
    public const int PageNotResolved = 201;
    public const int PageEventRefused = 202;
    public const int HandlerAuthorizationFailed = 203;
    public const int HandlerAuthorizationRefused = 204;

    public const int SessionsCommittedWhole = 220;
    public const int SessionStoreAddedAfterTether = 221;
}
