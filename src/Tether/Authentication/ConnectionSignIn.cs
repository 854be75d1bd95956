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
    public void Follow(EventOutcome outcome) => _registration.Update(outcome.Authentication?.GetSignInId(), _scheme.UserId(outcome.User));

    /// <summary>The cookie scheme's login path, for circuits that navigate there once signed out.</summary>
    public string LoginPath => _scheme.Cookie.LoginPath.Value ?? "/";

    public void Dispose() => _registration.Dispose();
}
