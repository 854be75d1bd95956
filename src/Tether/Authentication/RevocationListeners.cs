using System.Collections.Concurrent;

namespace Tether.Authentication;

/// <summary>
/// The open circuits and hub connections of this node, indexed by the sign-in and the user their latest event ran as,
/// so a revocation from the bus reaches exactly the connections that hold it.
/// </summary>
internal sealed class RevocationListeners : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Registration, byte>> _bySignIn = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Registration, byte>> _byUser = new(StringComparer.Ordinal);
    private readonly IDisposable _subscription;

    public RevocationListeners(ISignInRevocationBus bus) => _subscription = bus.Subscribe(Dispatch);

    /// <summary>Creates the registration of one connection; it starts with no sign-in.</summary>
    public Registration Register(Action onRevoked) => new(this, onRevoked);

    public void Dispatch(SignInRevocation revocation)
    {
        Notify(_bySignIn, revocation.SignInId);
        Notify(_byUser, revocation.UserId);
    }

    public void Dispose() => _subscription.Dispose();

    private static void Notify(ConcurrentDictionary<string, ConcurrentDictionary<Registration, byte>> index, string? key)
    {
        if (key is not null && index.TryGetValue(key, out var registrations))
        {
            foreach (var registration in registrations.Keys)
            {
                registration.OnRevoked();
            }
        }
    }

    private static void Add(ConcurrentDictionary<string, ConcurrentDictionary<Registration, byte>> index, string? key, Registration registration)
    {
        if (key is not null)
        {
            index.GetOrAdd(key, static _ => new()).TryAdd(registration, 0);
        }
    }

    private static void Remove(ConcurrentDictionary<string, ConcurrentDictionary<Registration, byte>> index, string? key, Registration registration)
    {
        if (key is not null && index.TryGetValue(key, out var registrations))
        {
            registrations.TryRemove(registration, out _);
            if (registrations.IsEmpty)
            {
                // Another registration may be added between these two lines; it is only removed if the set is still empty.
                index.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Registration, byte>>(key, registrations));
            }
        }
    }

    /// <summary>One connection's entry. Its sign-in follows the connection's latest event.</summary>
    internal sealed class Registration(RevocationListeners owner, Action onRevoked) : IDisposable
    {
        private readonly Lock _lock = new();
        private string? _signInId;
        private string? _userId;
        private bool _disposed;

        public void OnRevoked() => onRevoked();

        /// <summary>Records the sign-in the connection's latest event ran as; cheap when it did not change.</summary>
        public void Update(string? signInId, string? userId)
        {
            if (_signInId == signInId && _userId == userId)
            {
                return;
            }

            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                Remove(owner._bySignIn, _signInId, this);
                Remove(owner._byUser, _userId, this);
                (_signInId, _userId) = (signInId, userId);
                Add(owner._bySignIn, signInId, this);
                Add(owner._byUser, userId, this);
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                _disposed = true;
                Remove(owner._bySignIn, _signInId, this);
                Remove(owner._byUser, _userId, this);
            }
        }
    }
}
