using Microsoft.Extensions.Caching.Distributed;

namespace Tether;

/// <summary>
/// Replaces an <see cref="IDistributedCache"/> entry only if it still holds the value the caller read, atomically, in
/// one round trip to the store. Tether's session commits with it: it merges the keys a request or event changed over
/// the store's current value, so two writers of one session at the same moment never lose each other's writes.
/// </summary>
/// <remarks>
/// Tether.Redis registers one for Redis (a server-side script); Tether uses <see cref="InProcessCompareAndSet"/> for the
/// memory cache. Another cache (SQL Server, for example) registers its own as a singleton. An implementation writes the
/// entry exactly as the app's <see cref="IDistributedCache.SetAsync"/> would, so the cache's <c>GetAsync</c> reads it.
/// Without one, sessions are committed whole, as ASP.NET Core's <c>DistributedSession</c> commits them, and start-up
/// logs a warning.
/// </remarks>
public interface IDistributedCacheCompareAndSet
{
    /// <summary>
    /// Sets the entry of <paramref name="key"/> to <paramref name="value"/> if, and only if, it holds exactly
    /// <paramref name="expected"/> (or, when <paramref name="expected"/> is <see langword="null"/>, there is no entry).
    /// </summary>
    /// <param name="key">The cache key, as the app's <see cref="IDistributedCache"/> takes it.</param>
    /// <param name="expected">The value the caller read, or <see langword="null"/> when it read no entry.</param>
    /// <param name="value">The new value.</param>
    /// <param name="options">The new entry's expiration, as <see cref="IDistributedCache.SetAsync"/> takes it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>
    /// Whether the entry was set; when it was not, the value the entry holds now (<see langword="null"/> for none), so
    /// the caller can merge over it and try again without reading it first.
    /// </returns>
    Task<(bool Swapped, byte[]? Current)> CompareAndSetAsync(
        string key, byte[]? expected, byte[] value, DistributedCacheEntryOptions options, CancellationToken cancellationToken = default);
}
