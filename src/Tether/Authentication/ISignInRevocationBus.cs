namespace Tether.Authentication;

/// <summary>
/// Carries revocations to every node, so open circuits and hub connections react at once. The per-event check of the
/// sign-in store stays the truth: a message that is lost only delays the reaction to the connection's next event.
/// </summary>
/// <remarks>
/// The default implementation delivers within the process. Scale-out replaces it (for example with Redis pub/sub).
/// </remarks>
public interface ISignInRevocationBus
{
    /// <summary>Sends a revocation to every node, this one included.</summary>
    /// <param name="revocation">What was revoked.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the message was handed to the transport.</returns>
    Task PublishAsync(SignInRevocation revocation, CancellationToken cancellationToken = default);

    /// <summary>Receives the revocations published by any node.</summary>
    /// <param name="handler">Called for each revocation; it must not block.</param>
    /// <returns>Disposing it ends the subscription.</returns>
    IDisposable Subscribe(Action<SignInRevocation> handler);
}

/// <summary>
/// A revoked sign-in, or all sign-ins of a user.
/// </summary>
public sealed class SignInRevocation
{
    /// <summary>Creates a revocation.</summary>
    /// <param name="signInId">The revoked sign-in, or <see langword="null"/> when a whole user was revoked.</param>
    /// <param name="userId">The user whose sign-ins were all revoked, or <see langword="null"/>.</param>
    public SignInRevocation(string? signInId, string? userId)
    {
        SignInId = signInId;
        UserId = userId;
    }

    /// <summary>The revoked sign-in, or <see langword="null"/> when a whole user was revoked.</summary>
    public string? SignInId { get; }

    /// <summary>The user whose sign-ins were all revoked, or <see langword="null"/>.</summary>
    public string? UserId { get; }
}
