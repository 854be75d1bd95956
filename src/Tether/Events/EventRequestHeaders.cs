using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Tether.Events;

/// <summary>
/// An event's request headers: the connection's snapshot (<see cref="EventRequest.Headers"/>, shared by its events and
/// never written) with the event's <c>Cookie</c> header over it. The first write copies both into a dictionary of the
/// event's own, so what one event's middleware writes is never seen by another event.
/// </summary>
/// <remarks>
/// Why not a <see cref="HeaderDictionary"/> filled per event: the copy (its dictionary, entry and bucket arrays) was about
/// 0.4 KB of every event, for headers that almost no event writes. Kestrel's request headers are a type of their own for the
/// same reason (<c>HttpRequestHeaders</c> in dotnet/aspnetcore). Keys compare case-insensitively, as HTTP's do.
/// Concurrency: one event's, as <see cref="HeaderDictionary"/> is.
/// </remarks>
internal sealed class EventRequestHeaders(IReadOnlyDictionary<string, StringValues> snapshot, string? cookie) : IHeaderDictionary
{
    private Dictionary<string, StringValues>? _own;

    public StringValues this[string key]
    {
        get => TryGetValue(key, out var value) ? value : StringValues.Empty;
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            if (StringValues.IsNullOrEmpty(value))
            {
                Own().Remove(key);
            }
            else
            {
                Own()[key] = value;
            }
        }
    }

    StringValues IDictionary<string, StringValues>.this[string key]
    {
        get => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);
        set => this[key] = value;
    }

    public long? ContentLength
    {
        get => this[HeaderNames.ContentLength] is { Count: 1 } value
            && HeaderUtilities.TryParseNonNegativeInt64(new StringSegment(value[0]).Trim(), out var length) ? length : null;
        set => this[HeaderNames.ContentLength] = value is { } length ? HeaderUtilities.FormatNonNegativeInt64(length) : StringValues.Empty;
    }

    public int Count => _own?.Count ?? (snapshot.Count + (cookie is null || snapshot.ContainsKey(HeaderNames.Cookie) ? 0 : 1));

    public bool IsReadOnly => false;

    public ICollection<string> Keys => [.. Pairs().Select(p => p.Key)];

    public ICollection<StringValues> Values => [.. Pairs().Select(p => p.Value)];

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_own is { } own)
        {
            return own.TryGetValue(key, out value);
        }

        if (cookie is not null && string.Equals(key, HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase))
        {
            value = cookie;
            return true;
        }

        return snapshot.TryGetValue(key, out value);
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public void Add(string key, StringValues value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (ContainsKey(key))
        {
            throw new ArgumentException($"An item with the same key has already been added: {key}.", nameof(key));
        }

        Own()[key] = value;
    }

    public void Add(KeyValuePair<string, StringValues> item) => Add(item.Key, item.Value);

    public bool Remove(string key) => ContainsKey(key) && Own().Remove(key);

    public bool Remove(KeyValuePair<string, StringValues> item)
        => TryGetValue(item.Key, out var value) && StringValues.Equals(value, item.Value) && Own().Remove(item.Key);

    public void Clear() => Own().Clear();

    public bool Contains(KeyValuePair<string, StringValues> item)
        => TryGetValue(item.Key, out var value) && StringValues.Equals(value, item.Value);

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex)
    {
        ArgumentNullException.ThrowIfNull(array);
        foreach (var pair in Pairs())
        {
            array[arrayIndex++] = pair;
        }
    }

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => Pairs().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private IEnumerable<KeyValuePair<string, StringValues>> Pairs()
    {
        if (_own is { } own)
        {
            foreach (var pair in own)
            {
                yield return pair;
            }

            yield break;
        }

        foreach (var pair in snapshot)
        {
            if (cookie is null || !string.Equals(pair.Key, HeaderNames.Cookie, StringComparison.OrdinalIgnoreCase))
            {
                yield return pair;
            }
        }

        if (cookie is not null)
        {
            yield return new(HeaderNames.Cookie, cookie);
        }
    }

    private Dictionary<string, StringValues> Own()
    {
        if (_own is null)
        {
            var own = new Dictionary<string, StringValues>(snapshot.Count + 1, StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in snapshot)
            {
                own[key] = value;
            }

            if (cookie is not null)
            {
                own[HeaderNames.Cookie] = cookie;
            }

            _own = own;
        }

        return _own;
    }
}
