using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace Tether.Tests.Events;

/// <summary>
/// The real distributed memory cache, plus a record of the keys written to it, so tests can count session entries.
/// Can be switched off to act as a store that is down.
/// </summary>
public sealed class RecordingCache(IDistributedCache inner) : IDistributedCache
{
    public ConcurrentDictionary<string, int> Writes { get; } = new();

    public int Reads;

    public int Refreshes;

    public bool Down { get; set; }

    public byte[]? Get(string key) => Check(() => inner.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Interlocked.Increment(ref Reads);
        return Down ? Task.FromException<byte[]?>(new InvalidOperationException("The store is down.")) : inner.GetAsync(key, token);
    }

    public void Refresh(string key)
    {
        Interlocked.Increment(ref Refreshes);
        Check(() => { inner.Refresh(key); return 0; });
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
        => Interlocked.Increment(ref Refreshes) > 0 && Down ? Task.FromException(new InvalidOperationException("The store is down.")) : inner.RefreshAsync(key, token);

    public void Remove(string key) => Check(() => { inner.Remove(key); return 0; });

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        Writes.AddOrUpdate(key, 1, (_, n) => n + 1);
        Check(() => { inner.Set(key, value, options); return 0; });
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (Down)
        {
            return Task.FromException(new InvalidOperationException("The store is down."));
        }

        Writes.AddOrUpdate(key, 1, (_, n) => n + 1);
        return inner.SetAsync(key, value, options, token);
    }

    private T Check<T>(Func<T> action) => Down ? throw new InvalidOperationException("The store is down.") : action();
}
