using Microsoft.AspNetCore.Http;

namespace Tether.Accessors;

/// <summary>
/// Marks the request that carries a socket (a WebSocket upgrade, a SignalR negotiate or transport request), so that
/// <see cref="EventHttpContextAccessor"/> never hands it out: every flow of the connection inherits the framework's
/// accessor holder of that request, long after its response started and with the handshake's user.
/// </summary>
/// <remarks>Concurrency: the marker is immutable and shared; a request is marked once, on its own flow.</remarks>
internal sealed class SocketRequest
{
    private static readonly SocketRequest s_marker = new();

    private SocketRequest()
    {
    }

    public static void Mark(HttpContext context) => context.Features.Set(s_marker);

    public static bool Carries(HttpContext context) => context.Features.Get<SocketRequest>() is not null;
}
