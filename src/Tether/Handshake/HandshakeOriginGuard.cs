using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using Tether.Events;

namespace Tether.Handshake;

/// <summary>
/// Refuses socket handshakes (WebSocket upgrades, and every request to a SignalR hub, Blazor's <c>/_blazor</c> included)
/// whose <c>Origin</c> is not allowed, before any hub code runs. Events skip antiforgery because their socket was opened
/// by a page of an allowed origin; this check is what makes that safe against cross-site WebSocket hijacking.
/// </summary>
internal sealed class HandshakeOriginGuard(IOptions<TetherOptions> options, ILogger<HandshakeOriginGuard> logger)
{
    private readonly HashSet<string> _allowed = Normalize(options.Value.AllowedOrigins);
    private readonly bool _allowMissing = options.Value.AllowRequestsWithoutOrigin;

    public static bool IsHandshake(HttpContext context)
        => context.WebSockets.IsWebSocketRequest || context.GetEndpoint()?.Metadata.GetMetadata<HubMetadata>() is not null;

    public bool IsAllowed(HttpRequest request)
    {
        var origin = request.Headers.Origin;
        if (origin.Count == 0)
        {
            return _allowMissing;
        }

        if (origin.Count > 1 || !Uri.TryCreate(origin[0], UriKind.Absolute, out var uri) || uri.AbsolutePath != "/")
        {
            // Several origins, "null" (sandboxed or file pages) or garbage are never a page of this app.
            return false;
        }

        return SameOrigin.Matches(uri, request.Scheme, request.Host) || _allowed.Contains(Key(uri));
    }

    public Task RejectAsync(HttpContext context)
    {
        TetherLog.OriginRejected(logger, context.Request.Path.Value ?? "/", context.Request.Headers.Origin.ToString());
        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    private static HashSet<string> Normalize(IEnumerable<string> origins)
    {
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var origin in origins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri))
            {
                throw new InvalidOperationException($"TetherOptions.AllowedOrigins contains '{origin}', which is not an absolute origin such as https://app.example.com.");
            }

            set.Add(Key(uri));
        }

        return set;
    }

    private static string Key(Uri uri) => uri.Scheme + "://" + uri.Host + ":" + uri.Port;
}
