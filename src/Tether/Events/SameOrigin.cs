using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// Whether a URL a client sent (a page location, an <c>Origin</c> header) names this request's own scheme, host and port.
/// </summary>
internal static class SameOrigin
{
    public static bool Matches(Uri uri, string scheme, HostString host)
        => string.Equals(uri.Scheme, scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(uri.IsDefaultPort ? uri.Host : uri.Authority, host.Value, StringComparison.OrdinalIgnoreCase);
}
