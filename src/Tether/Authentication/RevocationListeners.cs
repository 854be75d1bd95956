using Microsoft.Extensions.Logging;

namespace Tether.Authentication;

/// <summary>
/// The open circuits and hub connections of this node, indexed by the sign-in and the user their latest event ran as,
/// so a revocation from the bus reaches exactly the connections that hold it.
/// </summary>
/// <remarks>
/// Registrations change when a connection's user changes, which is rare next to events, so one lock guards both indexes;
/// a revocation takes a snapshot under it and notifies outside it.
/// </remarks>
internal sealed partial class RevocationListeners : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<Registration>> _bySignIn = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<Registration>> _byUser = new(StringComparer.Ordinal);
    private readonly ILogger<RevocationListeners> _logger;
    private readonly IDisposable _subscription;

    private readonly Diagnostics.TetherMetrics? _metrics;

    public RevocationListeners(ISignInRevocationBus bus, ILogger<RevocationListeners> logger, Diagnostics.TetherMetrics? metrics = null)
    {
        _logger = logger;
        _metrics = metrics;
        _subscription = bus.Subscribe(Dispatch);
    }

    /// <summary>Creates the registration of one connection; it starts with no sign-in.</summary>
    public Registration Register(Action onRevoked) => new(this, onRevoked);

    public void Dispatch(SignInRevocation revocation)
    {
        List<Registration>? targets = null;
        lock (_lock)
        {
            Collect(_bySignIn, revocation.SignInId, ref targets);
            Collect(_byUser, revocation.UserId, ref targets);
        }

        foreach (var registration in targets ?? [])
        {
            try
            {
                registration.OnRevoked();
                _metrics?.RevocationPushed();
            }
            catch (Exception ex)
            {
                // One connection's failure must not keep the revocation from the others, nor fail the sign-out that sent it.
                Log.NotifyFailed(_logger, ex);
            }
        }
    }

    public void Dispose() => _subscription.Dispose();

    private static void Collect(Dictionary<string, HashSet<Registration>> index, string? key, ref List<Registration>? targets)
    {
        if (key is not null && index.TryGetValue(key, out var registrations))
        {
            (targets ??= []).AddRange(registrations);
        }
    }

    private static void Add(Dictionary<string, HashSet<Registration>> index, string? key, Registration registration)
    {
        if (key is not null)
        {
            if (!index.TryGetValue(key, out var registrations))
            {
                index[key] = registrations = [];
            }

            registrations.Add(registration);
        }
    }

    private static void Remove(Dictionary<string, HashSet<Registration>> index, string? key, Registration registration)
    {
        if (key is not null && index.TryGetValue(key, out var registrations) && registrations.Remove(registration) && registrations.Count == 0)
        {
            index.Remove(key);
        }
    }

    /// <summary>One connection's entry. Its sign-in follows the connection's latest event.</summary>
    internal sealed class Registration(RevocationListeners owner, Action onRevoked) : IDisposable
    {
        private string? _signInId;
        private string? _userId;
        private bool _disposed;

        public void OnRevoked() => onRevoked();

        /// <summary>Records the sign-in the connection's latest event ran as; cheap when it did not change.</summary>
        public void Update(string? signInId, string? userId)
        {
            if (Volatile.Read(ref _signInId) == signInId && Volatile.Read(ref _userId) == userId)
            {
                return;
            }

            lock (owner._lock)
            {
                if (_disposed)
                {
                    return;
                }

                Remove(owner._bySignIn, _signInId, this);
                Remove(owner._byUser, _userId, this);
                Volatile.Write(ref _signInId, signInId);
                Volatile.Write(ref _userId, userId);
                Add(owner._bySignIn, signInId, this);
                Add(owner._byUser, userId, this);
            }
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                _disposed = true;
                Remove(owner._bySignIn, _signInId, this);
                Remove(owner._byUser, _userId, this);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.RevocationNotifyFailed, LogLevel.Warning, "An open connection could not be told that its sign-in was revoked; its next event checks the sign-in all the same.", EventName = nameof(EventIds.RevocationNotifyFailed))]
        public static partial void NotifyFailed(ILogger logger, Exception exception);
    }
}
