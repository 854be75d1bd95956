using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;
using Tether.Events;
using Tether.Handoff;

namespace Tether.Components;

/// <summary>
/// The connection a circuit's events run on: its handshake, the state its events share (<see cref="ConnectionState"/>:
/// the cookie jar and the handoff channel), and its page's side of the cookie handoff and resync.
/// </summary>
/// <remarks>
/// <para>
/// The handshake is the HTTP request that carries the circuit's SignalR connection (the WebSocket upgrade, or the
/// long-polling request), which Blazor does not expose to circuits; <see cref="ComponentHubCallFilter"/> hands it over on
/// the async flow of each <c>ComponentHub</c> call. It is replaced by a reconnect's request, which carries the browser's
/// current cookies, and by a resync request (<see cref="CookieResync"/>), which carries them without a reconnect.
/// </para>
/// <para>
/// Concurrency: the handshake is replaced only on the circuit's dispatcher, by its activities, and published as one
/// immutable reference (<see cref="Volatile"/>) that the resync request and the revocation re-check read from their
/// threads. A resync request only leaves its request in one slot, which the next activity takes (<see cref="Interlocked"/>).
/// The handshake's source request is the dispatcher's alone. The circuit id is set once, when the circuit opens.
/// </para>
/// </remarks>
internal sealed partial class CircuitConnection : CookieResync.ITarget, IDisposable
{
    private readonly CookieHandoff _handoff;
    private readonly IJSRuntime _js;
    private readonly TetherOptions _options;
    private readonly ILogger _logger;
    private readonly CookieResync.Registration? _resync;
    private EventRequest? _handshake;
    private HttpContext? _handshakeSource;
    private string? _handshakeTrace;
    private EventRequest? _pendingResync;

    public CircuitConnection(CookieHandoff handoff, CookieResync? resync, IJSRuntime js, TetherOptions options, ILogger logger)
    {
        _handoff = handoff;
        _js = js;
        _options = options;
        _logger = logger;
        State = new ConnectionState(options);
        _resync = resync?.Register(this);
    }

    /// <summary>The circuit's id, once it opened.</summary>
    public string? CircuitId { get; private set; }

    /// <summary>What the circuit's events share across events: the cookie jar, the handoff channel.</summary>
    public ConnectionState State { get; }

    /// <summary>The circuit's latest handshake, or <see langword="null"/> before its first activity.</summary>
    public EventRequest? Handshake => Volatile.Read(ref _handshake);

    public void Opened(string? circuitId) => CircuitId = circuitId;

    public void Dispose() => _resync?.Dispose();

    /// <summary>
    /// The handshake an activity runs from: the one of <paramref name="connection"/> (the request the activity's hub call
    /// came on), unless the browser resynced its cookies since. On the circuit's dispatcher.
    /// </summary>
    public EventRequest? HandshakeFor(HttpContext? connection)
    {
        // A reconnect brings a new request with the browser's current cookies. Kestrel may reuse context objects, so the
        // request's trace identifier tells requests apart as well.
        if (connection is not null && (!ReferenceEquals(connection, _handshakeSource) || connection.TraceIdentifier != _handshakeTrace))
        {
            ReplaceHandshake(EventRequest.FromHttpContext(connection, null, _options));
            _handshakeSource = connection;
            _handshakeTrace = connection.TraceIdentifier;
        }

        // The browser resynced its cookies since: its request stands in for the handshake until the next reconnect. Read
        // first: nearly every event finds none, and a plain read costs no interlocked operation.
        if (Handshake is not null && Volatile.Read(ref _pendingResync) is not null && Interlocked.Exchange(ref _pendingResync, null) is { } resynced)
        {
            ReplaceHandshake(resynced);
        }

        return Handshake;
    }

    /// <summary>
    /// Tells the page where and with which id to resync the circuit's cookies, and where to report the URL it shows
    /// (Tether.lib.module.js).
    /// </summary>
    public async Task TellPageAsync(DotNetObjectReference<CircuitLocation> location)
    {
        try
        {
            await _js.InvokeVoidAsync("tether.setCircuit", _resync?.Url, _resync?.Id, location);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or TaskCanceledException or InvalidOperationException)
        {
            // Without it the circuit still gets the browser's cookies at its next reconnect, as before, and its events run at
            // Blazor's own location.
            Log.ResyncNotTold(_logger, ex.GetType().Name);
        }
    }

    // The browser's cookies as this request carries them become the events' cookies: the jar drops what they supersede,
    // and the handoff channel binds to this request's binding cookie.
    private void ReplaceHandshake(EventRequest handshake)
    {
        State.Rebase(handshake.Cookies);
        HandoffOf(handshake)?.Rebind(handshake);
        Volatile.Write(ref _handshake, handshake);
    }

    string? CookieResync.ITarget.BindingCookie() => Handshake is { } handshake ? BindingCookie.ValueOf(handshake) : null;

    // On the resync request's thread: the circuit takes it up at its next activity, on its own dispatcher.
    void CookieResync.ITarget.Resync(HttpContext request) => Volatile.Write(ref _pendingResync, EventRequest.FromHttpContext(request, null, _options));

    // The browser is told over JS interop, by the JS initializer Tether ships (wwwroot/Tether.lib.module.js).
    private CookieHandoffChannel? HandoffOf(EventRequest handshake)
        => State.CookieDelivery as CookieHandoffChannel
            ?? (_handoff.CreateChannel(handshake, NotifyAsync) is { } created ? State.AttachCookieDelivery(created) as CookieHandoffChannel : null);

    private Task NotifyAsync(string url, string id) => _js.InvokeVoidAsync("tether.redeemCookies", url, id).AsTask();

    private static partial class Log
    {
        [LoggerMessage(EventIds.CookieResyncNotTold, LogLevel.Debug, "The page could not be told its circuit's cookie resync id ({Reason}); the circuit gets new cookies at its next reconnect.", EventName = nameof(EventIds.CookieResyncNotTold))]
        public static partial void ResyncNotTold(ILogger logger, string reason);
    }
}
