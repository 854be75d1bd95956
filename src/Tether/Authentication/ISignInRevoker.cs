namespace Tether.Authentication;

/// <summary>
/// Revokes sign-ins on the server, so that the cookies that carry them stop working on the very next request or socket
/// event, on every node, and open circuits and hub connections holding them are told at once.
/// </summary>
/// <remarks>
/// A sign-out (<c>SignOutAsync</c> on the revocable scheme) already revokes its own sign-in, and with ASP.NET Core Identity a
/// security-stamp change (<c>UserManager.UpdateSecurityStampAsync</c>, a password change) revokes all of that user's sign-ins.
/// </remarks>
public interface ISignInRevoker
{
    /// <summary>Revokes every sign-in of one user (a ban, a password change, "sign out everywhere").</summary>
    /// <param name="userId">The user's id, as in the <see cref="RevocableSignInOptions.UserIdClaimType"/> claim.</param>
    /// <param name="cancellationToken">Cancels the store write.</param>
    /// <returns>A task that completes when the revocation is stored and published.</returns>
    Task RevokeUserAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Revokes one sign-in, wherever its cookie is used.</summary>
    /// <param name="signInId">The sign-in's id, from <see cref="SignInIdExtensions.GetSignInId"/>.</param>
    /// <param name="cancellationToken">Cancels the store write.</param>
    /// <returns>A task that completes when the revocation is stored and published.</returns>
    Task RevokeSignInAsync(string signInId, CancellationToken cancellationToken = default);
}
