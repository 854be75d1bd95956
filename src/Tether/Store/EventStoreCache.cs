using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;

namespace Tether.Store;

/// <summary>
/// The app's <see cref="IDistributedCache"/>, as the event session store and the sign-in store use it: inside an event, a
/// read of an entry the event read up front (<see cref="EventStoreReads"/>) is served from it, and so is the refresh that
/// follows, since the batch slid the entry's expiration. Everything else goes to the app's cache, unchanged.
/// </summary>
/// <remarks>
/// The session and sign-in stores call it with no context, so it finds the event's reads through
/// <see cref="IHttpContextAccessor"/>, which is the event's context inside an event; anywhere else it names a context
/// without reads (or none), and every call goes to the app's cache.
/// </remarks>
internal sealed class EventStoreCache(IDistributedCache inner, IHttpContextAccessor accessor) : IDistributedCache
{
    // Exactly the framework's type: a subclass may do I/O in its own GetAsync.
    private readonly bool _inProcess = inner.GetType() == typeof(MemoryDistributedCache);

    public IDistributedCache Inner => inner;

    private EventStoreReads? Reads => accessor.HttpContext?.Features.Get<EventStoreReads>();

    /// <summary>
    /// Reads <paramref name="key"/> without a task when no I/O is needed: what the event read up front, or the entry of an
    /// in-process <see cref="MemoryDistributedCache"/> (whose <c>GetAsync</c> is its <c>Get</c> in a completed task).
    /// <see langword="false"/> otherwise, and the caller reads the store. Throws the batch's failure, as
    /// <see cref="GetAsync"/> would.
    /// </summary>
    public bool TryGetNow(string key, out byte[]? value)
    {
        if (Reads is { } reads && reads.TryGet(key, out value))
        {
            return true;
        }

        if (_inProcess)
        {
            value = inner.Get(key);
            return true;
        }

        value = null;
        return false;
    }

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
