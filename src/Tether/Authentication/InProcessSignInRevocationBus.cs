namespace Tether.Authentication;

/// <summary>The default <see cref="ISignInRevocationBus"/>: one node, delivered synchronously to this process's subscribers.</summary>
internal sealed class InProcessSignInRevocationBus : ISignInRevocationBus
{
    private readonly Lock _lock = new();
    private Action<SignInRevocation>[] _handlers = [];

    public Task PublishAsync(SignInRevocation revocation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        List<Exception>? failures = null;
        foreach (var handler in Volatile.Read(ref _handlers))
        {
            try
            {
                handler(revocation);
            }
            catch (Exception ex)
            {
                // Every subscriber is called; the revocation itself is already stored, so failures are reported, typed.
                (failures ??= []).Add(ex);
            }
        }

        return failures is null ? Task.CompletedTask : Task.FromException(new AggregateException("A subscriber of the revocation bus failed.", failures));
    }

    public IDisposable Subscribe(Action<SignInRevocation> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Subscription(this, handler);
    }

    private void Unsubscribe(Action<SignInRevocation> handler)
    {
        lock (_lock)
        {
            _handlers = Array.FindAll(_handlers, h => h != handler);
        }
    }

    private sealed class Subscription(InProcessSignInRevocationBus bus, Action<SignInRevocation> handler) : IDisposable
    {
        public void Dispose() => bus.Unsubscribe(handler);
    }
}
