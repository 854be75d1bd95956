using Microsoft.Extensions.Caching.Distributed;
using Tether.Events;

namespace Tether.Store;

/// <summary>
/// The app's <see cref="IDistributedCache"/>, as the event session store and the sign-in store use it: inside an event, a
/// read of an entry the event read up front (<see cref="EventStoreReads"/>) is served from it, and so is the refresh that
/// follows, since the batch slid the entry's expiration. Everything else goes to the app's cache, unchanged.
/// </summary>
internal sealed class EventStoreCache(IDistributedCache inner) : IDistributedCache
{
    public IDistributedCache Inner => inner;

    private static EventStoreReads? Reads => AmbientContext.HttpContext?.Features.Get<EventStoreReads>();

    public byte[]? Get(string key) => Reads is { } reads && reads.TryGet(key, out var value) ? value : inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        => Reads is { } reads && reads.TryGet(key, out var value) ? Task.FromResult(value) : inner.GetAsync(key, token);

    public void Refresh(string key)
    {
        if (Reads?.WasRead(key) != true)
        {
            inner.Refresh(key);
        }
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
        => Reads?.WasRead(key) == true ? Task.CompletedTask : inner.RefreshAsync(key, token);

    public void Remove(string key)
    {
        Reads?.Forget(key);
        inner.Remove(key);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        Reads?.Forget(key);
        return inner.RemoveAsync(key, token);
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        Reads?.Forget(key);
        inner.Set(key, value, options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        Reads?.Forget(key);
        return inner.SetAsync(key, value, options, token);
    }
}
