using System.Collections.Frozen;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Tether.Events;

/// <summary>
/// An immutable snapshot of what a socket event knows about its browser: the connection's handshake data
/// (cookies, headers, client address, scheme and host) and the page's current location.
/// </summary>
/// <remarks>
/// Create one with <see cref="FromHttpContext(HttpContext, string?, TetherOptions?)"/> when a connection opens and derive
/// one per event with <see cref="WithLocation"/>. Only values are copied; no reference to the live
/// handshake <see cref="HttpContext"/> is kept, because that context is recycled by the server once the
/// handshake completes.
/// </remarks>
internal sealed class EventRequest
{
    // Hop-by-hop and WebSocket handshake headers describe the socket, not the page, and must not leak into
    // a synthetic request where middleware could mistake it for an upgrade.
    private static readonly FrozenSet<string> s_skippedHeaders = new[]
    {
        "Connection", "Upgrade", "Content-Length", "Content-Type", "Transfer-Encoding", "Keep-Alive",
        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
        "Sec-WebSocket-Accept", "Cookie",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> s_transportQueryKeys = new[] { "id", "access_token" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private EventRequest(
        string scheme,
        HostString host,
        PathString pathBase,
        PathString path,
        QueryString queryString,
        IReadOnlyDictionary<string, StringValues> headers,
        IReadOnlyDictionary<string, string> cookies,
        IPAddress? remoteIpAddress,
        int remotePort,
        bool locationRejected)
    {
        Scheme = scheme;
        Host = host;
        PathBase = pathBase;
        Path = path;
        QueryString = queryString;
        Headers = headers;
        Cookies = cookies;
        RemoteIpAddress = remoteIpAddress;
        RemotePort = remotePort;
        LocationRejected = locationRejected;
    }

    /// <summary>The scheme of the connection (<c>http</c> or <c>https</c>).</summary>
    public string Scheme { get; }

    /// <summary>The host the browser connected to.</summary>
    public HostString Host { get; }

    /// <summary>The application's path base.</summary>
    public PathString PathBase { get; }

    /// <summary>The path of the page's current location, relative to <see cref="PathBase"/>.</summary>
    public PathString Path { get; }

    /// <summary>The query string of the page's current location.</summary>
    public QueryString QueryString { get; }

    /// <summary>The handshake's request headers, without hop-by-hop, WebSocket and <c>Cookie</c> headers.</summary>
    public IReadOnlyDictionary<string, StringValues> Headers { get; }

    /// <summary>The cookies the browser sent with the handshake.</summary>
    public IReadOnlyDictionary<string, string> Cookies { get; }

    /// <summary>The client's IP address.</summary>
    public IPAddress? RemoteIpAddress { get; }

    /// <summary>The client's port.</summary>
    public int RemotePort { get; }

    /// <summary>
    /// <see langword="true"/> when the location given by the client was not a path on this app. The bridge refuses such
    /// an event rather than run it at a path the page is not on.
    /// </summary>
    internal bool LocationRejected { get; }

    /// <summary>
    /// Captures an <see cref="EventRequest"/> from a connection's handshake request.
    /// </summary>
    /// <param name="handshake">The HTTP request that opened the socket (negotiate or WebSocket upgrade).</param>
    /// <param name="location">
    /// The page's current location: a path and query on this app (<c>/search?q=shoe</c>) or an absolute URL on the
    /// handshake's own scheme and host. Anything else is rejected, and events at a rejected location are refused.
    /// <see langword="null"/> keeps the handshake's path and query, less SignalR's <c>id</c> and <c>access_token</c>.
    /// </param>
    /// <param name="options">Limits to apply; the defaults when <see langword="null"/>.</param>
    /// <returns>The snapshot.</returns>
    public static EventRequest FromHttpContext(HttpContext handshake, string? location, TetherOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handshake);
        options ??= TetherOptions.Default;
        var request = handshake.Request;

        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        var headerBytes = 0;
        foreach (var (name, value) in request.Headers)
        {
            if (s_skippedHeaders.Contains(name) || name.StartsWith(':'))
            {
                continue;
            }

            if (headers.Count >= options.MaxHeaderCount)
            {
                break;
            }

            // One oversized header is left out on its own; the ones after it still fit.
            var size = name.Length + SizeOf(value);
            if (headerBytes + size > options.MaxHeadersTotalSize)
            {
                continue;
            }

            headerBytes += size;
            headers[name] = value;
        }

        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        var cookieBytes = 0;
        foreach (var (name, value) in request.Cookies)
        {
            // As with headers: one oversized cookie is left out on its own; the ones after it still fit.
            var size = name.Length + value.Length;
            if (cookieBytes + size > options.MaxCookiesTotalSize)
            {
                continue;
            }

            cookieBytes += size;
            cookies[name] = value;
        }

        var connection = handshake.Connection;
        var rejected = false;
        var (path, query) = location is null
            ? (request.Path, WithoutTransportSecrets(request))
            : EventLocation.Parse(location, request.Scheme, request.Host, request.PathBase, options.MaxLocationLength, out rejected);

        return new EventRequest(
            request.Scheme,
            request.Host,
            request.PathBase,
            path,
            query,
            headers.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase),
            cookies.ToFrozenDictionary(StringComparer.Ordinal),
            connection.RemoteIpAddress,
            connection.RemotePort,
            rejected);
    }

    /// <summary>
    /// Returns a copy of this request at another page location; the handshake data is shared, not copied.
    /// </summary>
    /// <param name="location">The page's current location (see <see cref="FromHttpContext"/>).</param>
    /// <param name="options">Limits to apply; the defaults when <see langword="null"/>.</param>
    /// <returns>The request at <paramref name="location"/>.</returns>
    public EventRequest WithLocation(string? location, TetherOptions? options = null)
    {
        if (location is null)
        {
            return this;
        }

        options ??= TetherOptions.Default;
        var (path, query) = EventLocation.Parse(location, Scheme, Host, PathBase, options.MaxLocationLength, out var rejected);
        if (path == Path && query == QueryString && rejected == LocationRejected)
        {
            return this;
        }

        return new EventRequest(Scheme, Host, PathBase, path, query, Headers, Cookies, RemoteIpAddress, RemotePort, rejected);
    }

    // The socket's own query string carries SignalR's connection token ("id") and, for browser clients with bearer
    // tokens, the token itself ("access_token"): WebSockets and server-sent events cannot send headers. Neither belongs
    // to the page, and app code that logs or echoes Request.Query must not see them.
    private static QueryString WithoutTransportSecrets(HttpRequest request)
    {
        if (!request.QueryString.HasValue)
        {
            return request.QueryString;
        }

        var query = request.Query;
        var secret = false;
        foreach (var key in s_transportQueryKeys)
        {
            secret |= query.ContainsKey(key);
        }

        return secret
            ? QueryString.Create(query.Where(pair => !s_transportQueryKeys.Contains(pair.Key)))
            : request.QueryString;
    }

    private static int SizeOf(StringValues values)
    {
        var size = 0;
        foreach (var value in values)
        {
            size += value?.Length ?? 0;
        }

        return size;
    }
}
