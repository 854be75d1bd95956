using System.Collections;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Tether.Events;

/// <summary>
/// The features of an event's synthetic <see cref="HttpContext"/>: a slot for each feature an event's pipeline sets or
/// reads, and a list for any other. It is also the request, connection, lifetime and services features itself.
/// </summary>
/// <remarks>
/// <para>
/// Why not <see cref="FeatureCollection"/>: its dictionary (an entry array and a bucket array, grown once as the session and
/// authentication middleware add theirs) and the four feature objects were about 1.2 KB of every event's allocation, the
/// largest single part of it. Kestrel does the same for real requests: <c>HttpProtocol</c> holds its known features in
/// fields and implements the request features itself (<c>HttpProtocol.Generated.cs</c> in dotnet/aspnetcore).
/// </para>
/// <para>Concurrency: one event's; not thread-safe, as <see cref="FeatureCollection"/> is not.</para>
/// </remarks>
internal sealed partial class EventFeatureCollection : IFeatureCollection
{
    // The slots, in this order. The first four are this object until something replaces them.
    private static readonly Type[] s_known =
    [
        typeof(IHttpRequestFeature),
        typeof(IHttpConnectionFeature),
        typeof(IHttpRequestLifetimeFeature),
        typeof(IServiceProvidersFeature),
        typeof(IRequestCookiesFeature),
        typeof(IHttpResponseFeature),
        typeof(IHttpResponseBodyFeature),
        typeof(EventFeature),
        typeof(IEndpointFeature),
        typeof(IRouteValuesFeature),
        typeof(ISessionFeature),
        typeof(IAuthenticateResultFeature),
        typeof(IHttpAuthenticationFeature),
        typeof(IItemsFeature),
        typeof(IQueryFeature),
        typeof(IResponseCookiesFeature),
        typeof(IHttpRequestIdentifierFeature),
        typeof(IFormFeature),
        typeof(IRequestBodyPipeFeature),
    ];

    private Slots _slots;

    /// <summary>The feature types held in slots of their own.</summary>
    internal static IReadOnlyList<Type> KnownTypes => s_known;

    // A feature of a type not known above (a feature folder's own, such as the store's prefetched reads): the first is
    // held inline, any more in a list.
    private Type? _otherType;
    private object? _other;
    private List<KeyValuePair<Type, object>>? _others;

    public EventFeatureCollection()
    {
        _slots[0] = this;
        _slots[1] = this;
        _slots[2] = this;
        _slots[3] = this;
    }

    public bool IsReadOnly => false;

    public int Revision { get; private set; }

    public object? this[Type key]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(key);
            var i = IndexOf(key);
            if (i >= 0)
            {
                return _slots[i];
            }

            if (ReferenceEquals(_otherType, key))
            {
                return _other;
            }

            if (_others is { } others)
            {
                foreach (var (type, feature) in others)
                {
                    if (type == key)
                    {
                        return feature;
                    }
                }
            }

            return null;
        }

        set
        {
            ArgumentNullException.ThrowIfNull(key);
            Revision++;
            var i = IndexOf(key);
            if (i >= 0)
            {
                _slots[i] = value;
                return;
            }

            SetOther(key, value);
        }
    }

    public TFeature? Get<TFeature>() => (TFeature?)this[typeof(TFeature)];

    public void Set<TFeature>(TFeature? instance) => this[typeof(TFeature)] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator()
    {
        for (var i = 0; i < s_known.Length; i++)
        {
            if (_slots[i] is { } feature)
            {
                yield return new(s_known[i], feature);
            }
        }

        if (_otherType is not null && _other is not null)
        {
            yield return new(_otherType, _other);
        }

        if (_others is { } others)
        {
            foreach (var pair in others)
            {
                yield return pair;
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static int IndexOf(Type key)
    {
        var known = s_known;
        for (var i = 0; i < known.Length; i++)
        {
            if (ReferenceEquals(known[i], key))
            {
                return i;
            }
        }

        return -1;
    }

    // A type is held inline or in the list, never both.
    private void SetOther(Type key, object? value)
    {
        if (ReferenceEquals(_otherType, key))
        {
            _otherType = value is null ? null : key;
            _other = value;
            return;
        }

        if (_others is { } others)
        {
            for (var i = 0; i < others.Count; i++)
            {
                if (others[i].Key == key)
                {
                    if (value is null)
                    {
                        others.RemoveAt(i);
                    }
                    else
                    {
                        others[i] = new(key, value);
                    }

                    return;
                }
            }
        }

        if (value is null)
        {
            return;
        }

        if (_otherType is null)
        {
            _otherType = key;
            _other = value;
        }
        else
        {
            (_others ??= []).Add(new(key, value));
        }
    }

    [InlineArray(19)]
    private struct Slots
    {
        private object? _first;
    }
}
