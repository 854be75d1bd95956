using System.Security.Claims;

namespace Tether.Authentication;

/// <summary>
/// Options for revocable sign-in: <c>AddTether().AddRevocableSignIn()</c>.
/// </summary>
public sealed class RevocableSignInOptions
{
    /// <summary>
    /// The cookie authentication scheme whose sign-ins are revocable. Defaults to <see langword="null"/>: the app's default
    /// authenticate scheme (Identity's application cookie, or the scheme passed to <c>AddAuthentication</c>).
    /// </summary>
    public string? Scheme { get; set; }

    /// <summary>
    /// The prefix of the distributed cache keys of sign-in and user records. Session keys are GUIDs, so these never collide
    /// with them. Defaults to <c>tether:signin:</c>; give each app its own prefix when several share one cache.
    /// </summary>
    public string KeyPrefix { get; set; } = "tether:signin:";

    /// <summary>
    /// The claim that holds the user's id, for <see cref="ISignInRevoker.RevokeUserAsync"/>. Defaults to
    /// <see cref="ClaimTypes.NameIdentifier"/> (Identity's); a principal without it is identified by its name.
    /// </summary>
    public string UserIdClaimType { get; set; } = ClaimTypes.NameIdentifier;

    /// <summary>
    /// Whether a guest's session (a cart filled before signing in) carries into the sign-in, under a new session id.
    /// Defaults to <see langword="false"/>: a sign-in starts an empty session, as a sign-out does.
    /// </summary>
    public bool KeepAnonymousSessionOnSignIn { get; set; }

    /// <summary>
    /// Whether an open circuit whose sign-in was revoked navigates to the cookie scheme's login path. Defaults to
    /// <see langword="false"/>: the circuit re-renders as signed out (its <c>AuthenticationStateProvider</c> and
    /// <c>AppState</c>s become anonymous) and stays on its page.
    /// </summary>
    public bool RedirectCircuitsToLogin { get; set; }

    /// <summary>
    /// Whether a bridged hub connection whose sign-in was revoked is closed after its client was told. Defaults to
    /// <see langword="true"/>; when <see langword="false"/> the connection stays open and its next calls run as anonymous.
    /// </summary>
    public bool CloseHubConnections { get; set; } = true;
}
