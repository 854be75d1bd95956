namespace Tether.Authentication;

internal sealed class SignInRevoker(SignInStore store, RevocableScheme scheme) : ISignInRevoker
{
    public Task RevokeUserAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return store.RevokeUserAsync(userId, securityStamp: null, scheme.Lifetime, cancellationToken);
    }

    public Task RevokeSignInAsync(string signInId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(signInId);
        return store.RevokeSignInAsync(signInId, cancellationToken);
    }
}
