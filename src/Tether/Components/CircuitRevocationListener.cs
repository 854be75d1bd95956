using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Authentication;
using Tether.Events;

namespace Tether.Components;

/// <summary>
/// Re-checks a circuit's sign-in as soon as the revocation bus publishes a revocation that may concern it, as
/// <c>RevalidatingServerAuthenticationStateProvider</c> revalidates a circuit's user, but pushed instead of polled: the
/// circuit runs the per-event check at once, as if the user had clicked, and its UI follows the answer. The push decides
/// nothing on its own; a lost message only leaves the check to the circuit's next event.
/// </summary>
/// <remarks>
/// <para>
/// Concurrency: the bus calls in on any thread, and the listener only posts the re-check to the circuit's dispatcher,
/// which it learns from the circuit's own calls (<see cref="UseDispatcher"/>: written once, read with
/// <see cref="Volatile"/>); the re-check runs there as an event would. Without a dispatcher yet, on the thread pool.
/// </para>
/// <para>
/// A re-check never answers over a newer event of the circuit. A push that arrives while events run (the click that
/// changed the password and renews its own sign-in publishes the revocation from inside itself, and the dispatcher is
/// free at the click's every await) is kept until the last of them ended: a re-check started then would read the cookies
/// the click is about to replace, and answer after the click, signing its own tab out. A re-check is also dropped when an
/// event started after it was posted: that event ran the same check, later, with the circuit's newest cookies, and
/// shows its own answer. Neither weakens the revocation: every event still checks the sign-in, and a re-check still runs
/// once the circuit's events are done.
/// </para>
/// </remarks>
internal sealed partial class CircuitRevocationListener : IDisposable
{
    private readonly EventBridge _bridge;
    private readonly CircuitConnection _connection;
    private readonly PageLocator _locator;
    private readonly CircuitUi _ui;
    private readonly ILogger _logger;
    private readonly ConnectionSignIn? _signIn;
    private readonly bool _redirectToLogin;
    private SynchronizationContext? _dispatcher;
    private int _eventsRunning;
    private int _eventsStarted;
    private int _recheckKept;

    public CircuitRevocationListener(
        IServiceProvider services, EventBridge bridge, CircuitConnection connection, PageLocator locator, CircuitUi ui, ILogger logger)
    {
        _bridge = bridge;
        _connection = connection;
        _locator = locator;
        _ui = ui;
        _logger = logger;
        _signIn = ConnectionSignIn.Create(services, OnSignInRevoked);
        _redirectToLogin = services.GetService<IOptions<RevocableSignInOptions>>()?.Value.RedirectCircuitsToLogin == true;
    }

    /// <summary>The renderer's dispatcher, when <paramref name="current"/> is it: a revocation re-renders the circuit through it.</summary>
    public void UseDispatcher(SynchronizationContext? current)
    {
        // Written once: every later event only reads it.
        if (current is not null && Volatile.Read(ref _dispatcher) is null)
        {
            Interlocked.CompareExchange(ref _dispatcher, current, null);
        }
    }

    /// <summary>Records who the circuit's latest event ran as: the revocations that reach the circuit are that user's.</summary>
    public void RecordSignIn(EventOutcome outcome) => _signIn?.Follow(outcome);

    /// <summary>A bridged event of the circuit starts: a re-check posted before it no longer answers.</summary>
    public void EventStarting()
    {
        Interlocked.Increment(ref _eventsStarted);
        Interlocked.Increment(ref _eventsRunning);
    }

    /// <summary>A bridged event of the circuit ended, its user shown and recorded: a push kept meanwhile is re-checked now.</summary>
    public void EventEnded()
    {
        if (Interlocked.Decrement(ref _eventsRunning) == 0 && Interlocked.Exchange(ref _recheckKept, 0) == 1)
        {
            Recheck();
        }
    }

    public void Dispose() => _signIn?.Dispose();

    // Called by the revocation bus, on any thread: the circuit checks its sign-in again at once, on its own dispatcher,
    // as if the user had clicked, or, while events run, once the last of them ended. The check itself is the per-event
    // one, so the push decides nothing on its own. Kept before running is read, and taken with an exchange by whichever
    // of this and EventEnded comes second, so a push is neither lost nor re-checked twice.
    private void OnSignInRevoked()
    {
        Volatile.Write(ref _recheckKept, 1);
        if (Volatile.Read(ref _eventsRunning) == 0 && Interlocked.Exchange(ref _recheckKept, 0) == 1)
        {
            Recheck();
        }
    }

    private void Recheck()
    {
        var recheck = new PostedRecheck(this, Volatile.Read(ref _eventsStarted));
        if (Volatile.Read(ref _dispatcher) is { } dispatcher)
        {
            dispatcher.Post(static state => _ = ((PostedRecheck)state!).RunAsync(), recheck);
        }
        else
        {
            // A circuit whose activities run with no synchronization context (a host other than Blazor's renderer).
            _ = Task.Run(recheck.RunAsync);
        }
    }

    // An event started after the re-check was posted: it checked later, with newer cookies, and shows its own answer.
    private bool Superseded(int eventsStarted) => Volatile.Read(ref _eventsStarted) != eventsStarted;

    private async Task RevalidateAsync(int eventsStarted)
    {
        if (_connection.Handshake is not { } handshake || Superseded(eventsStarted))
        {
            return;
        }

        try
        {
            var page = _locator.Locate(handshake).Request;
            var outcome = await _bridge.RunAsync(
                new EventOrigin("Blazor", _connection.CircuitId, "CircuitActivity", "SignInRevoked"),
                page,
                _connection.State,
                httpContext =>
                {
                    if (!Superseded(eventsStarted))
                    {
                        _ui.ShowEvent(httpContext);
                    }

                    return Task.CompletedTask;
                },
                requestServices: null,
                CancellationToken.None);
            if (Superseded(eventsStarted))
            {
                return;
            }

            RecordSignIn(outcome);
            Log.Revalidated(_logger, outcome.User?.Identity?.IsAuthenticated == true);
            if (!outcome.HandlerRan)
            {
                _ui.ShowUser(outcome.User);
                _ui.ShowRefusal(outcome);
            }
            else if (_redirectToLogin && outcome.User?.Identity?.IsAuthenticated != true && _signIn is not null)
            {
                var returnUrl = page.LocationRejected ? "/" : page.Path.Value + page.QueryString.Value;
                _ui.NavigateAway(_signIn.LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl));
            }
        }
        catch (Exception ex)
        {
            // A failed re-check leaves the circuit as it was; its next event checks again.
            Log.RevalidationFailed(_logger, ex);
        }
    }

    private sealed class PostedRecheck(CircuitRevocationListener listener, int eventsStarted)
    {
        public Task RunAsync() => listener.RevalidateAsync(eventsStarted);
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.CircuitRevalidated, LogLevel.Debug, "A circuit re-checked its sign-in after a revocation was published; signed in: {SignedIn}.", EventName = nameof(EventIds.CircuitRevalidated))]
        public static partial void Revalidated(ILogger logger, bool signedIn);

        [LoggerMessage(EventIds.CircuitRevalidationFailed, LogLevel.Warning, "A circuit could not re-check its sign-in after a revocation was published; its next event will.", EventName = nameof(EventIds.CircuitRevalidationFailed))]
        public static partial void RevalidationFailed(ILogger logger, Exception exception);
    }
}
