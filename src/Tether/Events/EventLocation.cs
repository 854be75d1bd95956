using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// Turns a client-supplied page location into a path and query on this app. The location comes from the
/// browser (Blazor's NavigationManager, a SignalR client message), so it is untrusted input.
/// </summary>
internal static class EventLocation
{
    public static (PathString Path, QueryString Query) Parse(
        string location, string scheme, HostString host, PathString pathBase, int maxLength, out bool rejected)
    {
        rejected = false;
        if (location.Length == 0 || location.Length > maxLength || ContainsControlCharacters(location))
        {
            return Rejected(out rejected);
        }

        string pathAndQuery;
        if (location[0] == '/')
        {
            // "//host/x" and "/\host" are protocol-relative URLs to another host in browsers.
            if (location.Length > 1 && (location[1] == '/' || location[1] == '\\'))
            {
                return Rejected(out rejected);
            }

            pathAndQuery = location;
        }
        else if (Uri.TryCreate(location, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && string.IsNullOrEmpty(uri.UserInfo)
            && SameOrigin.Matches(uri, scheme, host))
        {
            pathAndQuery = uri.PathAndQuery;
        }
        else
        {
            return Rejected(out rejected);
        }

        var fragment = pathAndQuery.IndexOf('#');
        if (fragment >= 0)
        {
            pathAndQuery = pathAndQuery[..fragment];
        }

        var queryStart = pathAndQuery.IndexOf('?');
        var rawPath = queryStart >= 0 ? pathAndQuery[..queryStart] : pathAndQuery;
        var query = queryStart >= 0 ? pathAndQuery[queryStart..] : string.Empty;

        PathString path;
        try
        {
            path = PathString.FromUriComponent(rawPath);
        }
        catch (UriFormatException)
        {
            return Rejected(out rejected);
        }

        if (pathBase.HasValue && path.StartsWithSegments(pathBase, StringComparison.OrdinalIgnoreCase, out var remaining))
        {
            path = remaining.HasValue ? remaining : new PathString("/");
        }

        return (path, query.Length > 1 ? new QueryString(query) : QueryString.Empty);
    }

    private static (PathString, QueryString) Rejected(out bool rejected)
    {
        rejected = true;
        return (new PathString("/"), QueryString.Empty);
    }

    private static bool ContainsControlCharacters(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }
}
