using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Tether.Authentication;
using Tether.Handoff;

namespace Tether.Components;

/// <summary>
/// Runs every inbound activity of one circuit (a UI event, a JS-to-.NET call, a location change) through the event
/// bridge, so the app's code in it sees the session and user read afresh for that activity.
/// </summary>
/// <remarks>
/// The circuit's handshake data comes from the HTTP request that carries its SignalR connection (the WebSocket
/// upgrade, or the long-polling request), which Blazor does not expose to circuits; <see cref="ComponentHubCallFilter"/>
/// hands it over on the async flow of each <c>ComponentHub</c> call. That request is the one .NET keeps alive, unpooled,
/// for as long as the connection lasts, and a reconnect brings a new one with the browser's current cookies.
/// </remarks>
internal sealed partial class TetherCircuitHandler : CircuitHandler, IDisposable
{
    private readonly EventBridge _bridge;
    private readonly CookieHandoff _handoff;
    private readonly IJSRuntime _js;
    private readonly NavigationManager _navigation;
    private readonly CircuitLocation _location;
    private readonly AppStateTracker _states;
    private readonly PageRoutes _pages;
    private readonly ILogger<TetherCircuitHandler> _logger;
    private readonly TetherOptions _options;
    private readonly ConnectionState _connection;
    private readonly CircuitUser _user;
    private readonly ConnectionSignIn? _signIn;
    private readonly bool _redirectToLoginOnRevocation;
    private EventRequest? _handshake;
    private HttpContext? _handshakeSource;
    private string? _handshakeTrace;
    private LocatedRequest? _lastRequest;
    private PageEndpoint[] _heldPages = [];
    private readonly CookieResync.Registration? _resync;
    private EventRequest? _pendingResync;
    private SynchronizationContext? _dispatcher;
    private string? _circuitId;

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
        _bridge = bridge;
        _handoff = handoff;
        _js = js;
        _navigation = navigation;
        _location = new CircuitLocation(navigation);
        _states = states;
        _pages = pages;
        _logger = logger;
        _options = options.Value;
        _connection = new ConnectionState(options.Value);
        _user = new CircuitUser(services.GetService<AuthenticationStateProvider>());
        _signIn = ConnectionSignIn.Create(services, OnSignInRevoked);
        _redirectToLoginOnRevocation = services.GetService<IOptions<RevocableSignInOptions>>()?.Value.RedirectCircuitsToLogin == true;
        _resync = services.GetService<CookieResync>()?.Register(ResyncBinding, OnResync);
    }

    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The renderer's dispatcher: a revocation pushed from the bus re-renders the circuit through it.
        _dispatcher ??= SynchronizationContext.Current;
        _circuitId = circuit?.Id;
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        // The page learns where and with which id to resync the circuit's cookies, and where to report the URL it shows
        // (Tether.lib.module.js), on every (re)connection: a page reloaded into a reconnected circuit has forgotten them.
        _ = TellPageAsync();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _signIn?.Dispose();
        _resync?.Dispose();
        _location.Dispose();
    }

    private async Task TellPageAsync()
    {
        try
        {
            await _js.InvokeVoidAsync("tether.setCircuit", _resync?.Url, _resync?.Id, _location.Reference);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException or InvalidOperationException)
        {
            // Without it the circuit still gets the browser's cookies at its next reconnect, as before, and its events run at
            // Blazor's own location.
            Log.ResyncNotTold(_logger, ex.GetType().Name);
        }
    }

    private string? ResyncBinding() => Volatile.Read(ref _handshake) is { } handshake
        && handshake.Cookies.TryGetValue(CookieHandoff.BindingCookieNameFor(handshake.Scheme), out var binding) ? binding : null;

    // On the resync request's thread: the circuit takes it up at its next activity, on its own dispatcher.
    private void OnResync(HttpContext request) => Volatile.Write(ref _pendingResync, EventRequest.FromHttpContext(request, null, _options));

    /// <summary>
    /// Outermost. Blazor sorts circuit handlers by ascending <see cref="CircuitHandler.Order"/> and the first one wraps all
    /// the others' inbound activity handlers (CircuitHost.BuildInboundActivityDispatcher), so the app's own circuit
    /// handlers run inside the event: they see its user and session through <see cref="Current"/>, and a middleware
    /// that refuses the event stops them too. Not <see cref="int.MinValue"/>, so a handler that deliberately wants to
    /// run outside Tether's events (timing the whole activity, say) can still go before it.
    /// </summary>
    public override int Order => int.MinValue / 2;

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next)
        => context => HandleAsync(context, next);

    private Task HandleAsync(CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
    {
        var activity = ComponentHubCall.Current;
        if (activity is { IsPassive: true })
        {
            Log.Activity(_logger, activity.HubMethod, "passive");
            return next(context);
        }

        _dispatcher ??= SynchronizationContext.Current;

        var handshake = Handshake(activity?.Connection);
        if (handshake is null)
        {
            Log.NoHandshake(_logger, activity?.HubMethod ?? "(unknown)");
            return next(context);
        }

        var located = RequestAt(handshake, _location.Current);

        // The page's tier and authorization apply to the page's own events only. The circuit's activities (its start, a
        // navigation, root component updates) render whatever page comes next, and the location they see is still the
        // previous one: they run the whole bridge, and the page they render is authorized by AuthorizeRouteView against
        // the user that bridge just gave the circuit.
        if (activity is not { IsUserEvent: true })
        {
            Log.Activity(_logger, activity?.HubMethod ?? "(unknown)", "bridged");
            return RunAsync(located.Request, activity, context, next, EventTier.Full, page: null, held: []);
        }

        if (located.PageFailure is { } failure)
        {
            // Fail closed: a page that cannot be found may be one that requires authorization.
            Log.PageNotResolved(_logger, failure);
            _states.Deny(StatusCodes.Status500InternalServerError);
            RefusedCall.Complete(_js, activity);
            return Task.CompletedTask;
        }

        var page = located.Page;
        var tier = page?.Tier ?? _pages.NoPageTier;

        // The location is the client's word: a client can report another page's location without leaving the page it
        // renders (with per-page interactivity nothing re-renders on a location change). So every [Authorize] page this
        // circuit was authorized on stays checked for the rest of the circuit, whatever location the event reports.
        var held = HeldPagesOtherThan(page);
        if (located.Request.LocationRejected)
        {
            // Never skip the bridge for a location it refuses (400).
            tier = EventTier.Full;
        }
        else if (held.Length > 0 && tier == EventTier.None)
        {
            tier = EventTier.AuthOnly;
        }

        if (tier == EventTier.None)
        {
            // No bridge: no context, no store read, and nothing an earlier event's flow left behind.
            Log.Activity(_logger, activity.HubMethod, "unbridged");
            AmbientContext.Suppress();
            return next(context);
        }

        Log.Activity(_logger, activity.HubMethod, "bridged");
        return RunAsync(located.Request, activity, context, next, tier, page, held);
    }

    private PageEndpoint[] HeldPagesOtherThan(PageEndpoint? page)
    {
        var held = Volatile.Read(ref _heldPages);
        return held.Length == 0 || page is null || Array.IndexOf(held, page) < 0 ? held : Array.FindAll(held, p => p != page);
    }

    private void Hold(PageEndpoint page)
    {
        lock (_connection)
        {
            if (Array.IndexOf(_heldPages, page) < 0)
            {
                Volatile.Write(ref _heldPages, [.. _heldPages, page]);
            }
        }
    }

    private async Task RunAsync(
        EventRequest request,
        ComponentHubCall? activity,
        CircuitInboundActivityContext context,
        Func<CircuitInboundActivityContext, Task> next,
        EventTier tier,
        PageEndpoint? page,
        PageEndpoint[] held)
    {
        EventOutcome outcome;
        EventOutcome? refusal = null;
        var refusedBy = page;
        try
        {
            outcome = await _bridge.RunAsync(
                new EventOrigin("Blazor", _circuitId, "CircuitActivity", activity?.HubMethod),
                request,
                _connection,
                async httpContext =>
                {
                    // Before the handler, so the components it renders see this event's user.
                    var user = httpContext.User;
                    _user.Follow(user);
                    _states.Refresh(httpContext);
                    if (page is { RequiresAuthorization: true } && (refusal = await AuthorizeAsync(httpContext, page)) is not null)
                    {
                        httpContext.Features.Get<EventFeature>()!.Refusal = refusal;
                        return;
                    }

                    foreach (var heldPage in held)
                    {
                        if ((refusal = await AuthorizeAsync(httpContext, heldPage)) is not null)
                        {
                            httpContext.Features.Get<EventFeature>()!.Refusal = refusal;
                            refusedBy = heldPage;
                            return;
                        }
                    }

                    if (page is { RequiresAuthorization: true })
                    {
                        Hold(page);
                    }

                    await next(context);
                    if (!ReferenceEquals(user, httpContext.User))
                    {
                        // The handler signed in or out (SignInManager sets HttpContext.User): show its new user at once.
                        _user.Follow(httpContext.User);
                        _states.Refresh(httpContext);
                    }
                },
                requestServices: null,
                CancellationToken.None,
                tier);
        }
        catch (SessionUnavailableException ex)
        {
            // The circuit must survive a store outage. Before the handler: the event is dropped rather than run with a
            // session that would silently discard its writes. After it: its session writes were not saved. Either way
            // the UI is told (AppState.DeniedStatusCode), and the circuit's own activities still run.
            Log.SessionUnavailable(_logger, ex);
            _states.Deny(StatusCodes.Status503ServiceUnavailable);
            if (!ex.HandlerRan)
            {
                await RunVetoedAsync(activity, context, next);
            }

            return;
        }

        _signIn?.Follow(outcome);
        if (refusal is { } refused)
        {
            // The page's authorization refused the event's user: a page event, so nothing else of it runs.
            Log.PageEventRefused(_logger, refusedBy!.PageType.Name, refused.StatusCode);
            Refuse(refused);
            RefusedCall.Complete(_js, activity);
            return;
        }

        if (outcome.HandlerRan)
        {
            return;
        }

        _user.Follow(outcome.User);
        Refuse(outcome);
        await RunVetoedAsync(activity, context, next);
    }

    private async Task<EventOutcome?> AuthorizeAsync(HttpContext context, PageEndpoint page)
    {
        try
        {
            return await PageAuthorization.AuthorizeAsync(context, page);
        }
        catch (Exception ex)
        {
            // Fail closed: a policy that cannot be evaluated (an unknown policy name, a handler that throws) refuses the
            // event rather than run it with less protection than its page.
            Log.PageAuthorizationFailed(_logger, page.PageType.Name, ex);
            return new EventOutcome(false, StatusCodes.Status500InternalServerError, null);
        }
    }

    private void Refuse(EventOutcome outcome)
    {
        if (outcome.IsRedirect)
        {
            _navigation.NavigateTo(outcome.Location!, forceLoad: true);
        }
        else
        {
            _states.Deny(outcome.StatusCode);
        }
    }

    // Called by the revocation bus, on any thread: the circuit checks its sign-in again at once, on its own dispatcher,
    // as if the user had clicked. The check itself is the per-event one, so the push decides nothing on its own.
    private void OnSignInRevoked()
    {
        if (_dispatcher is { } dispatcher)
        {
            dispatcher.Post(static state => _ = ((TetherCircuitHandler)state!).RevalidateAsync(), this);
        }
        else
        {
            _ = Task.Run(RevalidateAsync);
        }
    }

    private async Task RevalidateAsync()
    {
        if (_handshake is not { } handshake)
        {
            return;
        }

        try
        {
            var outcome = await _bridge.RunAsync(
                new EventOrigin("Blazor", _circuitId, "CircuitActivity", "SignInRevoked"),
                RequestAt(handshake, _location.Current).Request,
                _connection,
                httpContext =>
                {
                    _user.Follow(httpContext.User);
                    _states.Refresh(httpContext);
                    return Task.CompletedTask;
                },
                requestServices: null,
                CancellationToken.None);
            _signIn?.Follow(outcome);
            Log.Revalidated(_logger, outcome.User?.Identity?.IsAuthenticated == true);
            if (!outcome.HandlerRan)
            {
                _user.Follow(outcome.User);
                Refuse(outcome);
            }
            else if (_redirectToLoginOnRevocation && outcome.User?.Identity?.IsAuthenticated != true && _signIn is not null)
            {
                var page = RequestAt(handshake, _location.Current).Request;
                var returnUrl = page.LocationRejected ? "/" : page.Path.Value + page.QueryString.Value;
                _navigation.NavigateTo(_signIn.LoginPath + "?returnUrl=" + Uri.EscapeDataString(returnUrl), forceLoad: true);
            }
        }
        catch (Exception ex)
        {
            // A failed re-check leaves the circuit as it was; its next event checks again.
            Log.RevalidationFailed(_logger, ex);
        }
    }

    // Only app code may be vetoed; the circuit's own activities (start, location sync) must still run, without a context.
    // A vetoed UI event still completes, as refused, so the page is not left waiting for it.
    private Task RunVetoedAsync(ComponentHubCall? activity, CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
    {
        if (activity is not { IsUserEvent: true })
        {
            return next(context);
        }

        RefusedCall.Complete(_js, activity);
        return Task.CompletedTask;
    }

    private EventRequest? Handshake(HttpContext? connection)
    {
        // A reconnect brings a new request with the browser's current cookies. Kestrel may reuse context objects, so the
        // request's trace identifier tells requests apart as well.
        if (connection is not null && (!ReferenceEquals(connection, _handshakeSource) || connection.TraceIdentifier != _handshakeTrace))
        {
            var handshake = EventRequest.FromHttpContext(connection, null, _options);
            _connection.Rebase(handshake.Cookies);
            HandoffOf(handshake)?.Rebind(handshake);
            _handshake = handshake;
            _handshakeSource = connection;
            _handshakeTrace = connection.TraceIdentifier;
        }

        // The browser resynced its cookies since: its request stands in for the handshake until the next reconnect.
        if (_handshake is not null && Interlocked.Exchange(ref _pendingResync, null) is { } resynced)
        {
            _connection.Rebase(resynced.Cookies);
            HandoffOf(resynced)?.Rebind(resynced);
            _handshake = resynced;
        }

        return _handshake;
    }

    // The browser is told over JS interop, by the JS initializer Tether ships (wwwroot/Tether.lib.module.js).
    private CookieHandoffChannel? HandoffOf(EventRequest handshake)
        => _connection.Handoff ?? (_handoff.CreateChannel(handshake, NotifyAsync) is { } created ? _connection.AttachHandoff(created) : null);

    private Task NotifyAsync(string url, string id) => _js.InvokeVoidAsync("tether.redeemCookies", url, id).AsTask();

    // Most activities happen on the page of the previous one: reuse its request and page instead of parsing the URL and
    // matching the routes again.
    private LocatedRequest RequestAt(EventRequest handshake, string? location)
    {
        var last = Volatile.Read(ref _lastRequest);
        if (last is not null && ReferenceEquals(last.Handshake, handshake) && last.Location == location)
        {
            return last;
        }

        var request = handshake.WithLocation(location, _options);
        PageEndpoint? page = null;
        Exception? failure = null;
        if (location is not null && !request.LocationRejected)
        {
            try
            {
                page = _pages.Match(request.Path);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }

        var located = new LocatedRequest(handshake, location, request, page, failure);
        Volatile.Write(ref _lastRequest, located);
        return located;
    }

    // One reference, so concurrent activities never read a handshake paired with another location's request.
    private sealed record LocatedRequest(EventRequest Handshake, string? Location, EventRequest Request, PageEndpoint? Page, Exception? PageFailure);

    private static partial class Log
    {
        [LoggerMessage(EventIds.PageAuthorizationFailed, LogLevel.Error, "The authorization of page {Page} could not be evaluated for a circuit event; the event was refused.", EventName = nameof(EventIds.PageAuthorizationFailed))]
        public static partial void PageAuthorizationFailed(ILogger logger, string page, Exception exception);

        [LoggerMessage(EventIds.PageNotResolved, LogLevel.Error, "The page of a circuit's location could not be resolved; its event was refused.", EventName = nameof(EventIds.PageNotResolved))]
        public static partial void PageNotResolved(ILogger logger, Exception exception);

        [LoggerMessage(EventIds.PageEventRefused, LogLevel.Debug, "A circuit event on page {Page} was refused by the page's authorization ({StatusCode}).", EventName = nameof(EventIds.PageEventRefused))]
        public static partial void PageEventRefused(ILogger logger, string page, int statusCode);

        [LoggerMessage(EventIds.NoHandshake, LogLevel.Warning, "A circuit activity ({HubMethod}) arrived before Tether saw the circuit's connection; it runs without the event bridge.", EventName = nameof(EventIds.NoHandshake))]
        public static partial void NoHandshake(ILogger logger, string hubMethod);

        [LoggerMessage(EventIds.CircuitActivity, LogLevel.Debug, "Circuit activity {HubMethod}: {Mode}.", EventName = nameof(EventIds.CircuitActivity))]
        public static partial void Activity(ILogger logger, string hubMethod, string mode);

        [LoggerMessage(EventIds.CircuitSessionUnavailable, LogLevel.Warning, "The session store was unavailable; a circuit event was not run.", EventName = nameof(EventIds.CircuitSessionUnavailable))]
        public static partial void SessionUnavailable(ILogger logger, Exception exception);

        [LoggerMessage(EventIds.CookieResyncNotTold, LogLevel.Debug, "The page could not be told its circuit's cookie resync id ({Reason}); the circuit gets new cookies at its next reconnect.", EventName = nameof(EventIds.CookieResyncNotTold))]
        public static partial void ResyncNotTold(ILogger logger, string reason);

        [LoggerMessage(EventIds.CircuitRevalidated, LogLevel.Debug, "A circuit re-checked its sign-in after a revocation was published; signed in: {SignedIn}.", EventName = nameof(EventIds.CircuitRevalidated))]
        public static partial void Revalidated(ILogger logger, bool signedIn);

        [LoggerMessage(EventIds.CircuitRevalidationFailed, LogLevel.Warning, "A circuit could not re-check its sign-in after a revocation was published; its next event will.", EventName = nameof(EventIds.CircuitRevalidationFailed))]
        public static partial void RevalidationFailed(ILogger logger, Exception exception);
    }
}
