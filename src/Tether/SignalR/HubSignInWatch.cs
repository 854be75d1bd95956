using Tether.Authentication;
using Tether.Events;

namespace Tether.SignalR;

/// <summary>
/// One hub connection's revocable sign-in: which sign-in its latest call ran as, and when a revocation pushed to it is
/// answered. A push that arrives while calls run is kept until the last of them ended (and followed its sign-in); a
/// push to an idle connection is answered at once. The answer reads the connection's sign-in again from the store: only a
/// connection that still holds a revoked sign-in is told.
/// </summary>
/// <remarks>
/// The push comes on the bus's thread, concurrently with the connection's calls. Kept is set before running is read, and
/// taken with an exchange by whichever of the push and the last call's end comes second, so a push is neither lost nor
/// answered twice (as <c>CircuitRevocationListener</c> does for circuits). The answer to a push kept during a call is
/// awaited by that call before its result is sent, so the client sees the call's result only after the answer.
/// </remarks>
internal sealed class HubSignInWatch : IDisposable
{
    private readonly SignInStore _store;
    private readonly Func<Func<CancellationToken, Task<bool>>, Task> _answer;
    private ConnectionSignIn? _signIn;
    private int _callsRunning;
    private int _kept;
    private bool _disposed;

    private HubSignInWatch(SignInStore store, Func<Func<CancellationToken, Task<bool>>, Task> answer)
    {
        _store = store;
        _answer = answer;
    }

    /// <summary>The watch, or <see langword="null"/> when the app did not call <c>AddRevocableSignIn()</c>.</summary>
    /// <param name="services">The app's services.</param>
    /// <param name="store">The sign-in store the answer reads.</param>
    /// <param name="answer">Answers one push, given a read of whether the connection still holds a revoked sign-in.</param>
    public static HubSignInWatch? Create(IServiceProvider services, SignInStore store, Func<Func<CancellationToken, Task<bool>>, Task> answer)
    {
        var watch = new HubSignInWatch(store, answer);
        watch._signIn = ConnectionSignIn.Create(services, watch.OnRevoked);
        return watch._signIn is null ? null : watch;
    }

    /// <summary>A call (or connect) of the connection starts: a push from now on waits for it.</summary>
    public void CallStarting() => Interlocked.Increment(ref _callsRunning);

    /// <summary>
    /// A call ended; <paramref name="outcome"/>, when it ran through the pipeline, is who it ran as. A push kept meanwhile is
    /// answered now, and the returned task completes with the answer.
    /// </summary>
    public Task CallEndedAsync(EventOutcome? outcome)
    {
        if (outcome is { } ran)
        {
            _signIn!.Follow(ran);
        }

        return Interlocked.Decrement(ref _callsRunning) == 0 && Interlocked.Exchange(ref _kept, 0) == 1
            ? AnswerAsync()
            : Task.CompletedTask;
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _signIn?.Dispose();
    }

    private void OnRevoked()
    {
        Volatile.Write(ref _kept, 1);
        if (Volatile.Read(ref _callsRunning) == 0 && Interlocked.Exchange(ref _kept, 0) == 1)
        {
            _ = AnswerAsync();
        }
    }

    // A connection that is going away is told nothing more.
    private Task AnswerAsync()
        => Volatile.Read(ref _disposed)
            ? Task.CompletedTask
            : _answer(cancellationToken => _signIn!.HoldsRevokedSignInAsync(_store, cancellationToken));
}
