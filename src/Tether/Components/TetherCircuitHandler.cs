using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Tether.Events;
using Tether.Handoff;
using Tether.Tiers;

namespace Tether.Components;

/// <summary>
/// Runs every inbound activity of one circuit (a UI event, a JS-to-.NET call, a location change) through the event
/// bridge, so the app's code in it sees the session and user read afresh for that activity.
/// </summary>
/// <remarks>
/// <para>
/// A thin hook, as Blazor's <see cref="CircuitHandler"/>s are: for each activity it takes the handshake from the
/// circuit's connection (<see cref="CircuitConnection"/>), the request and page at its location (<see cref="PageLocator"/>
/// over <see cref="CircuitLocation"/>), asks <see cref="CircuitEventPolicy"/> how it runs, and has
/// <see cref="CircuitEventRunner"/> run it (with <see cref="PageGuard"/> and <see cref="CircuitUi"/>).
/// <see cref="CircuitRevocationListener"/> re-checks the sign-in when the revocation bus asks.
/// </para>
/// <para>
/// Concurrency: its fields are set once, in the constructor; each part states its own rule. Blazor calls it on the
/// circuit's dispatcher.
/// </para>
/// </remarks>
internal sealed partial class TetherCircuitHandler : CircuitHandler, IDisposable
{
    private readonly CircuitConnection _connection;
    private readonly CircuitLocation _location;
    private readonly PageLocator _locator;
    private readonly PageGuard _guard;
    private readonly CircuitRevocationListener _revocation;
    private readonly CircuitEventRunner _runner;
    private readonly ILogger<TetherCircuitHandler> _logger;

    public TetherCircuitHandler(
        EventBridge bridge,
        NavigationManager navigation,
        AppStateTracker states,
        PageRoutes pages,
        CookieHandoff handoff,
        IJSRuntime js,
        IServiceProvider services,
        IOptions<TetherOptions> options,
        ILogger<TetherCircuitHandler> logger)
    {
        // One logger category for all the circuit's parts, as when they were one class: the app's log filters keep working.
        _logger = logger;
        _location = new CircuitLocation(navigation);
        _locator = new PageLocator(_location, pages, options.Value);
        _connection = new CircuitConnection(handoff, services.GetService<CookieResync>(), js, options.Value, logger);
        _guard = new PageGuard(logger);
        var ui = new CircuitUi(new CircuitUser(services.GetService<AuthenticationStateProvider>()), states, navigation);
        _revocation = new CircuitRevocationListener(services, bridge, _connection, _locator, ui, logger);
        _runner = new CircuitEventRunner(bridge, _connection, _guard, ui, _revocation, js, logger);
    }

    /// <summary>
    /// Outermost. Blazor sorts circuit handlers by ascending <see cref="CircuitHandler.Order"/> and the first one wraps all
    /// the others' inbound activity handlers (CircuitHost.BuildInboundActivityDispatcher), so the app's own circuit
    /// handlers run inside the event: they see its user and session through <see cref="Current"/>, and a middleware
    /// that refuses the event stops them too. Not <see cref="int.MinValue"/>, so a handler that deliberately wants to
    /// run outside Tether's events (timing the whole activity, say) can still go before it.
    /// </summary>
    public override int Order => int.MinValue / 2;

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The renderer's dispatcher: a revocation pushed from the bus re-renders the circuit through it.
        _revocation.UseDispatcher(SynchronizationContext.Current);
        _connection.Opened(circuit?.Id);
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The page learns where and with which id to resync the circuit's cookies, and where to report the URL it shows
        // (Tether.lib.module.js), on every (re)connection: a page reloaded into a reconnected circuit has forgotten them.
        _ = _connection.TellPageAsync(_location.Reference);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _revocation.Dispose();
        _connection.Dispose();
        _location.Dispose();
    }

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next)
        => context => HandleAsync(context, next);

    private Task HandleAsync(CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
    {
        var activity = ComponentHubCall.Current;
        var kind = CircuitEventPolicy.KindOf(activity);
        var hubMethod = activity?.HubMethod ?? "(unknown)";
        if (kind == CircuitActivityKind.Passive)
        {
            // Before the handshake: a passive activity takes up no resync and resolves no location.
            Log.Activity(_logger, hubMethod, "passive");
            return next(context);
        }

        _revocation.UseDispatcher(SynchronizationContext.Current);
        if (_connection.HandshakeFor(activity?.Connection) is not { } handshake)
        {
            // Fail closed: with no handshake there is no request to bridge and no page to authorize, and running the
            // activity anyway would run app code as nobody, past an [Authorize] page's check.
            Log.NoHandshake(_logger, hubMethod);
            _runner.RefuseUnrun(activity, StatusCodes.Status500InternalServerError);
            return Task.CompletedTask;
        }

        var located = _locator.Locate(handshake);
        var plan = CircuitEventPolicy.Decide(
            kind,
            locationRejected: located.Request.LocationRejected,
            located.Page,
            pageNotResolved: located.PageFailure is not null,
            _locator.NoPageTier,
            PagesHeld(located));
        switch (plan.Mode)
        {
            case CircuitEventMode.PageNotResolved:
                Log.PageNotResolved(_logger, located.PageFailure!);
                _runner.RefuseUnrun(activity, StatusCodes.Status500InternalServerError);
                return Task.CompletedTask;

            case CircuitEventMode.Unbridged:
                // No bridge: no context, no store read, and nothing an earlier event's flow left behind.
                Log.Activity(_logger, hubMethod, "unbridged");
                return UnbridgedEvent.Run(next, context);

            default:
                Log.Activity(_logger, hubMethod, "bridged");
                return _runner.RunAsync(located.Request, activity, context, next, plan);
        }
    }

    // The [Authorize] pages this circuit was authorized on, and the one the page's location report moved it off, if any.
    private PageEndpoint[] PagesHeld(LocatedRequest located)
    {
        var authorized = _guard.AuthorizedPages;
        return located.CorrectedPage is { } corrected && Array.IndexOf(authorized, corrected) < 0 ? [.. authorized, corrected] : authorized;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.PageNotResolved, LogLevel.Error, "The page of a circuit's location could not be resolved; its event was refused.", EventName = nameof(EventIds.PageNotResolved))]
        public static partial void PageNotResolved(ILogger logger, Exception exception);

        [LoggerMessage(EventIds.NoHandshake, LogLevel.Error, "A circuit activity ({HubMethod}) arrived without the hub call Tether takes the circuit's connection from; it was refused.", EventName = nameof(EventIds.NoHandshake))]
        public static partial void NoHandshake(ILogger logger, string hubMethod);

        [LoggerMessage(EventIds.CircuitActivity, LogLevel.Debug, "Circuit activity {HubMethod}: {Mode}.", EventName = nameof(EventIds.CircuitActivity))]
        public static partial void Activity(ILogger logger, string hubMethod, string mode);
    }
}
