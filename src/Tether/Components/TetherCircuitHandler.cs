using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using Tether.Handoff;

namespace Tether.Components;

/// <summary>
/// Runs every inbound activity of one circuit (a UI event, a JS-to-.NET call, a location change) through the event
/// bridge, so the app's code in it sees the session and user read afresh for that activity.
/// </summary>
/// <remarks>
/// The circuit's handshake data comes from the HTTP request that carries its SignalR connection (the WebSocket
/// upgrade, or the long-polling request), which Blazor does not expose to circuits; <see cref="CircuitActivityHubFilter"/>
/// hands it over on the async flow of each <c>ComponentHub</c> call. That request is the one .NET keeps alive, unpooled,
/// for as long as the connection lasts, and a reconnect brings a new one with the browser's current cookies.
/// </remarks>
internal sealed partial class TetherCircuitHandler(
    EventBridge bridge,
    NavigationManager navigation,
    AppStateTracker states,
    CookieHandoff handoff,
    IJSRuntime js,
    IOptions<TetherOptions> options,
    ILogger<TetherCircuitHandler> logger) : CircuitHandler
{
    private readonly TetherOptions _options = options.Value;
    private readonly EventConnection _connection = new(options.Value);
    private EventRequest? _handshake;
    private HttpContext? _handshakeSource;
    private string? _handshakeTrace;
    private LocatedRequest? _lastRequest;

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next)
        => context => HandleAsync(context, next);

    private Task HandleAsync(CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
    {
        var activity = CircuitActivity.Current;
        if (activity is { IsPassive: true })
        {
            Log.Activity(logger, activity.HubMethod, "passive");
            return next(context);
        }

        Log.Activity(logger, activity?.HubMethod ?? "(unknown)", "bridged");

        var handshake = Handshake(activity?.Connection);
        if (handshake is null)
        {
            Log.NoHandshake(logger, activity?.HubMethod ?? "(unknown)");
            return next(context);
        }

        return RunAsync(RequestAt(handshake, Location()), activity, context, next);
    }

    private async Task RunAsync(EventRequest request, CircuitActivity? activity, CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
    {
        EventOutcome outcome;
        try
        {
            outcome = await bridge.RunAsync(request, _connection, async httpContext =>
            {
                states.Refresh(httpContext);
                var user = httpContext.User;
                await next(context);
                if (!ReferenceEquals(user, httpContext.User))
                {
                    // The handler signed in or out (SignInManager sets HttpContext.User): show its new user at once.
                    states.Refresh(httpContext);
                }
            });
        }
        catch (SessionUnavailableException ex)
        {
            // The circuit must survive a store outage. Before the handler: the event is dropped rather than run with a
            // session that would silently discard its writes. After it: its session writes were not saved. Either way
            // the UI is told (AppState.DeniedStatusCode), and the circuit's own activities still run.
            Log.SessionUnavailable(logger, ex);
            states.Deny(StatusCodes.Status503ServiceUnavailable);
            if (!ex.HandlerRan)
            {
                await RunVetoedAsync(activity, context, next);
            }

            return;
        }

        if (outcome.HandlerRan)
        {
            return;
        }

        if (outcome.IsRedirect)
        {
            navigation.NavigateTo(outcome.Location!, forceLoad: true);
        }
        else
        {
            states.Deny(outcome.StatusCode);
        }

        await RunVetoedAsync(activity, context, next);
    }

    // Only app code may be vetoed; the circuit's own activities (start, location sync) must still run, without a context.
    private static Task RunVetoedAsync(CircuitActivity? activity, CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
        => activity is { IsUserEvent: true } ? Task.CompletedTask : next(context);

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

        return _handshake;
    }

    // The browser is told over JS interop, by the JS initializer Tether ships (wwwroot/Tether.lib.module.js).
    private CookieHandoffChannel? HandoffOf(EventRequest handshake)
        => _connection.Handoff ?? (handoff.CreateChannel(handshake, NotifyAsync) is { } created ? _connection.AttachHandoff(created) : null);

    private Task NotifyAsync(string url, string id) => js.InvokeVoidAsync("tether.redeemCookies", url, id).AsTask();

    // Most activities happen on the page of the previous one: reuse its request instead of parsing the URL again.
    private EventRequest RequestAt(EventRequest handshake, string? location)
    {
        var last = Volatile.Read(ref _lastRequest);
        if (last is not null && ReferenceEquals(last.Handshake, handshake) && last.Location == location)
        {
            return last.Request;
        }

        var request = handshake.WithLocation(location, _options);
        Volatile.Write(ref _lastRequest, new LocatedRequest(handshake, location, request));
        return request;
    }

    private string? Location()
    {
        try
        {
            return navigation.Uri;
        }
        catch (InvalidOperationException)
        {
            // Not initialized yet: the circuit is starting and has no page location.
            return null;
        }
    }

    // One reference, so concurrent activities never read a handshake paired with another location's request.
    private sealed record LocatedRequest(EventRequest Handshake, string? Location, EventRequest Request);

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "A circuit activity ({HubMethod}) arrived before Tether saw the circuit's connection; it runs without the event bridge.", EventName = "NoHandshake")]
        public static partial void NoHandshake(ILogger logger, string hubMethod);

        [LoggerMessage(22, LogLevel.Debug, "Circuit activity {HubMethod}: {Mode}.", EventName = "CircuitActivity")]
        public static partial void Activity(ILogger logger, string hubMethod, string mode);

        [LoggerMessage(21, LogLevel.Warning, "The session store was unavailable; a circuit event was not run.", EventName = "CircuitSessionUnavailable")]
        public static partial void SessionUnavailable(ILogger logger, Exception exception);
    }
}
