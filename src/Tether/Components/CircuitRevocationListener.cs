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
/// Concurrency: the bus calls in on any thread, and the listener only posts the re-check to the circuit's dispatcher,
/// which it learns from the circuit's own calls (<see cref="UseDispatcher"/>: written once, read with
/// <see cref="Volatile"/>); the re-check runs there as an event would. Without a dispatcher yet, on the thread pool.
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
        if (current is not null)
        {
            Interlocked.CompareExchange(ref _dispatcher, current, null);
        }
    }

    /// <summary>Records who the circuit's latest event ran as: the revocations that reach the circuit are that user's.</summary>
    public void RecordSignIn(EventOutcome outcome) => _signIn?.Follow(outcome);

    public void Dispose() => _signIn?.Dispose();

    // Called by the revocation bus, on any thread: the circuit checks its sign-in again at once, on its own dispatcher,
    // as if the user had clicked. The check itself is the per-event one, so the push decides nothing on its own.
    private void OnSignInRevoked()
    {
        if (Volatile.Read(ref _dispatcher) is { } dispatcher)
        {
            dispatcher.Post(static state => _ = ((CircuitRevocationListener)state!).RevalidateAsync(), this);
        }
        else
        {
            // A circuit whose activities run with no synchronization context (a host other than Blazor's renderer).
            _ = Task.Run(RevalidateAsync);
        }
    }

    private async Task RevalidateAsync()
    {
        if (_connection.Handshake is not { } handshake)
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
                    _ui.ShowEvent(httpContext);
                    return Task.CompletedTask;
                },
                requestServices: null,
                CancellationToken.None);
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

    private static partial class Log
    {
        [LoggerMessage(EventIds.CircuitRevalidated, LogLevel.Debug, "A circuit re-checked its sign-in after a revocation was published; signed in: {SignedIn}.", EventName = nameof(EventIds.CircuitRevalidated))]
        public static partial void Revalidated(ILogger logger, bool signedIn);

        [LoggerMessage(EventIds.CircuitRevalidationFailed, LogLevel.Warning, "A circuit could not re-check its sign-in after a revocation was published; its next event will.", EventName = nameof(EventIds.CircuitRevalidationFailed))]
        public static partial void RevalidationFailed(ILogger logger, Exception exception);
    }
}
