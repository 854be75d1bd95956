using Microsoft.Extensions.DependencyInjection;
using Tether.Events;

namespace Tether.Authentication;

/// <summary>
/// The sign-in one open connection (a circuit, a hub connection) holds, kept current from its events, so that a revocation
/// published on the bus reaches it.
/// </summary>
internal sealed class ConnectionSignIn : IDisposable
{
    private readonly RevocableScheme _scheme;
    private readonly RevocationListeners.Registration _registration;
    private Held? _held;

    private ConnectionSignIn(RevocableScheme scheme, RevocationListeners listeners, Action onRevoked)
    {
        _scheme = scheme;
        _registration = listeners.Register(onRevoked);
    }

    /// <summary>The connection's entry, or <see langword="null"/> when the app did not call <c>AddRevocableSignIn()</c>.</summary>
    public static ConnectionSignIn? Create(IServiceProvider services, Action onRevoked)
        => services.GetService<RevocationListeners>() is { } listeners
            ? new ConnectionSignIn(services.GetRequiredService<RevocableScheme>(), listeners, onRevoked)
            : null;

    /// <summary>Records who the connection's latest event ran as.</summary>
    public void Follow(EventOutcome outcome)
    {
        var signInId = outcome.Authentication?.GetSignInId();
        var userId = _scheme.UserId(outcome.User);
        string? generation = null;
        outcome.Authentication?.Items.TryGetValue(SignInIdExtensions.GenerationKey, out generation);
        var held = Volatile.Read(ref _held);
        if (signInId is null)
        {
            Volatile.Write(ref _held, null);
        }
        else if (held is null || held.SignInId != signInId || held.UserId != userId || held.Generation != generation)
        {
            // Written only when it changed: a connection's steady events allocate nothing here.
            Volatile.Write(ref _held, new Held(signInId, userId, generation));
        }

        _registration.Update(signInId, userId);
    }

    /// <summary>
    /// Whether the connection still holds a revoked sign-in: the one its latest event ran as, read again from the store now.
    /// A revocation pushed to the connection may be of a sign-in the connection has since renewed (a password change), or
    /// given up (its own sign-out); then it holds nothing revoked.
    /// </summary>
    public async Task<bool> HoldsRevokedSignInAsync(SignInStore store, CancellationToken cancellationToken)
        => Volatile.Read(ref _held) is { } held
            && !await store.IsValidAsync(held.SignInId, held.UserId, held.Generation, cancellationToken);

    /// <summary>The cookie scheme's login path, for circuits that navigate there once signed out.</summary>
    public string LoginPath => _scheme.Cookie.LoginPath.Value ?? "/";

    public void Dispose() => _registration.Dispose();

    private sealed record Held(string SignInId, string? UserId, string? Generation);
}
