using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tether.Events;

/// <summary>
/// Builds an event's synthetic <see cref="HttpContext"/> from its request snapshot: a GET at the page's location with the
/// connection's headers and cookies (the handshake's, overlaid by what earlier events set), a response that records
/// <c>OnStarting</c>/<c>OnCompleted</c> callbacks instead of sending anything, and the event's DI scope. Stateless.
/// </summary>
internal static class EventContextFactory
{
    public static DefaultHttpContext Create(
        EventRequest request,
        ConnectionState? connection,
        EventResponseFeature response,
        EventFeature feature,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        var cookies = connection?.Cookies(request.Cookies) ?? new EventCookies(request.Cookies);

        var headers = new EventRequestHeaders(request.Headers, cookies.Count > 0 ? cookies.Header : null);

        var features = new EventFeatureCollection
        {
            Protocol = "HTTP/1.1",
            Method = HttpMethods.Get,
            Scheme = request.Scheme,
            PathBase = request.PathBase.Value ?? string.Empty,
            Path = request.Path.Value ?? "/",
            QueryString = request.QueryString.Value ?? string.Empty,
            Headers = headers,
            RemoteIpAddress = request.RemoteIpAddress,
            RemotePort = request.RemotePort,
            RequestAborted = cancellationToken,
            RequestServices = services,
        };
        features.Set<IRequestCookiesFeature>(new RequestCookiesFeature(cookies));
        features.Set<IHttpResponseFeature>(response);
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
        features.Set(feature);
        features.Set<IEndpointFeature>(feature);

        return new DefaultHttpContext(features);
    }
}
