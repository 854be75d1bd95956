using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// The cookies of an event request, already parsed: the handshake's cookies overlaid by the connection's cookie jar.
/// One instance serves all events of a connection until the jar changes, so events do not re-parse a Cookie header.
/// </summary>
internal sealed class EventCookies(IReadOnlyDictionary<string, string> cookies) : IRequestCookieCollection
{
    private string? _header;

    public string? this[string key] => cookies.TryGetValue(key, out var value) ? value : null;

    public int Count => cookies.Count;

    public ICollection<string> Keys => cookies.Keys.ToArray();

    /// <summary>The <c>Cookie</c> header these cookies make, for middleware that reads the raw header.</summary>
    public string Header => _header ??= Format(cookies);

    public bool ContainsKey(string key) => cookies.ContainsKey(key);

    public bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => cookies.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => cookies.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private static string Format(IReadOnlyDictionary<string, string> cookies)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in cookies)
        {
            if (builder.Length > 0)
            {
                builder.Append("; ");
            }

            // Request.Cookies hands out unescaped values; escape them back as a browser would have sent them.
            builder.Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }
}
