using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tether.Events;

// The request, connection, lifetime and services features, as HttpRequestFeature, HttpConnectionFeature,
// HttpRequestLifetimeFeature and ServiceProvidersFeature have them.
internal sealed partial class EventFeatureCollection : IHttpRequestFeature, IHttpConnectionFeature, IHttpRequestLifetimeFeature, IServiceProvidersFeature
{
    public string Protocol { get; set; } = string.Empty;

    public string Scheme { get; set; } = string.Empty;

    public string Method { get; set; } = string.Empty;

    public string PathBase { get; set; } = string.Empty;

    public string Path { get; set; } = string.Empty;

    public string QueryString { get; set; } = string.Empty;

    public string RawTarget { get; set; } = string.Empty;

    public IHeaderDictionary Headers { get; set; } = null!;

    public Stream Body { get; set; } = Stream.Null;

    public string ConnectionId { get; set; } = null!;

    public IPAddress? RemoteIpAddress { get; set; }

    public IPAddress? LocalIpAddress { get; set; }

    public int RemotePort { get; set; }

    public int LocalPort { get; set; }

    public CancellationToken RequestAborted { get; set; }

    public IServiceProvider RequestServices { get; set; } = null!;

    // As HttpRequestLifetimeFeature's: an event has no transport of its own to abort.
    public void Abort()
    {
    }
}
