using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;

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
        var stripe = StripeOf(key);
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

    /// <summary>
    /// Whether the cache answers in memory, without I/O (the memory cache): then a caller may read, merge and write
    /// while it holds the key's stripe (<see cref="Enter"/>, <see cref="Read"/>, <see cref="Write"/>), in one attempt
    /// that no other writer of this instance can interleave with.
    /// </summary>
    internal bool InPlace => _cache is MemoryDistributedCache;

    /// <summary>Takes the lock of <paramref name="key"/>'s stripe until the returned value is disposed. Only when <see cref="InPlace"/>.</summary>
    internal Turn Enter(string key, CancellationToken cancellationToken)
    {
        var stripe = StripeOf(key);
        stripe.Wait(cancellationToken);
        return new Turn(stripe);
    }

    /// <summary>The entry of <paramref name="key"/>, read while its stripe is held (<see cref="Enter"/>).</summary>
    internal byte[]? Read(string key) => _cache.Get(key);

    /// <summary>Sets the entry of <paramref name="key"/> while its stripe is held (<see cref="Enter"/>).</summary>
    internal void Write(string key, byte[] value, DistributedCacheEntryOptions options) => _cache.Set(key, value, options);

    private SemaphoreSlim StripeOf(string key) => _stripes[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_stripes.Length];

    internal readonly struct Turn(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }

    // The memory cache hands back the array it was given, so the value read is usually the very same array.
    internal static bool SameValue(byte[]? current, byte[]? expected)
        => ReferenceEquals(current, expected) || (current is not null && expected is not null && current.AsSpan().SequenceEqual(expected));
}
