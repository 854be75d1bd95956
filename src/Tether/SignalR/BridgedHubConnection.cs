using Microsoft.AspNetCore.SignalR;
using Tether.Events;

namespace Tether.SignalR;

/// <summary>
/// What Tether keeps for one SignalR connection, in <see cref="HubCallerContext.Items"/>: the handshake snapshot, the
/// page location the client last reported, and the cookie jar.
/// </summary>
/// <remarks>
/// Created by the connection's connect, before any of its calls can run, and read by calls on any thread afterwards: the
/// reported location is swapped whole through <see cref="Volatile"/>, and <see cref="SignIn"/> is set once, at connect.
/// </remarks>
internal sealed class BridgedHubConnection(EventRequest handshake, TetherOptions options)
{
    private static readonly object s_key = new();

    private EventRequest? _request;

    public ConnectionState Connection { get; } = new(options);

    /// <summary>The sign-in the connection's latest call ran as, when sign-ins are revocable.</summary>
    public HubSignInWatch? SignIn { get; set; }

    public EventRequest Request => Volatile.Read(ref _request) ?? handshake;

    public void SetLocation(string? location)
        => Volatile.Write(ref _request, handshake.WithLocation(location ?? "/", options));

    public static BridgedHubConnection? Find(HubCallerContext context)
        => context.Items.TryGetValue(s_key, out var value) ? value as BridgedHubConnection : null;

    public static BridgedHubConnection GetOrCreate(HubCallerContext context, TetherOptions options)
    {
        if (Find(context) is { } existing)
        {
            return existing;
        }

        var http = context.GetHttpContext()
            ?? throw new InvalidOperationException("Tether needs the HTTP request of the hub connection, which this transport does not provide.");
        var location = http.Request.Query[TetherHubFilter.LocationQueryKey];
        var state = new BridgedHubConnection(EventRequest.FromHttpContext(http, location.Count == 1 ? location[0] : null, options), options);
        context.Items[s_key] = state;
        return state;
    }
}
