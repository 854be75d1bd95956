using Microsoft.Extensions.Caching.Distributed;

namespace Tether;

/// <summary>
/// An <see cref="IDistributedCacheCompareAndSet"/> for a cache that only this process writes: the memory cache
/// (<c>AddDistributedMemoryCache()</c>, which Tether uses it for by itself), or an app's own wrapper of it. The read,
/// the comparison and the write of one key run under a lock of that key's stripe, held only for the store's own calls,
/// never across a request.
/// </summary>
/// <remarks>
/// Atomic only among the writers that go through the same instance: register it once, as a singleton. It is not atomic
/// across processes, so a cache shared by several nodes needs an implementation of its own (Tether.Redis has one).
/// </remarks>
public sealed class InProcessCompareAndSet : IDistributedCacheCompareAndSet
{
    private readonly IDistributedCache _cache;
    private readonly SemaphoreSlim[] _stripes;

    /// <summary>Creates the compare-and-set over <paramref name="cache"/>.</summary>
    /// <param name="cache">The cache only this process writes.</param>
    public InProcessCompareAndSet(IDistributedCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        _cache = cache;
        _stripes = new SemaphoreSlim[64];
        for (var i = 0; i < _stripes.Length; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <inheritdoc />
    public async Task<(bool Swapped, byte[]? Current)> CompareAndSetAsync(
        string key, byte[]? expected, byte[] value, DistributedCacheEntryOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        var stripe = _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            var current = await _cache.GetAsync(key, cancellationToken);
            if (!SameValue(current, expected))
            {
                return (false, current);
            }

            await _cache.SetAsync(key, value, options, cancellationToken);
            return (true, value);
        }
        finally
        {
            stripe.Release();
        }
    }

    // The memory cache hands back the array it was given, so the value read is usually the very same array.
    private static bool SameValue(byte[]? current, byte[]? expected)
        => ReferenceEquals(current, expected) || (current is not null && expected is not null && current.AsSpan().SequenceEqual(expected));
}
