using Microsoft.Extensions.Caching.Distributed;

namespace Tether.BrowserTests;

/// <summary>The Shop's real distributed memory cache, which a test can take down like a session store that fails.</summary>
public sealed class SwitchableCache(IDistributedCache inner) : IDistributedCache
{
    public volatile bool Down;

    public byte[]? Get(string key) => Up(() => inner.Get(key));

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Up(() => inner.GetAsync(key, token));

    public void Refresh(string key) => Up(() => { inner.Refresh(key); return 0; });

    public Task RefreshAsync(string key, CancellationToken token = default) => Up(() => inner.RefreshAsync(key, token));

    public void Remove(string key) => Up(() => { inner.Remove(key); return 0; });

    public Task RemoveAsync(string key, CancellationToken token = default) => Up(() => inner.RemoveAsync(key, token));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Up(() => { inner.Set(key, value, options); return 0; });

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => Up(() => inner.SetAsync(key, value, options, token));

    private T Up<T>(Func<T> action) => Down ? throw new InvalidOperationException("The session store is down.") : action();
}
