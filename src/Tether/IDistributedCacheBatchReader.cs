namespace Tether;

/// <summary>
/// Reads several <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> entries in one round trip to the
/// store. When one is registered, every event reads what it needs from the store (its session and its sign-in records)
/// with one call to it, before the event pipeline runs, instead of one round trip per entry.
/// </summary>
/// <remarks>
/// Tether.Redis registers one for Redis. An implementation reads the entries the app's
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> wrote, and slides their expirations as
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache.GetAsync"/> would.
/// </remarks>
public interface IDistributedCacheBatchReader
{
    /// <summary>Reads the entries of <paramref name="keys"/>, in one round trip, sliding each one's expiration.</summary>
    /// <param name="keys">The cache keys, as the app's <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> takes them.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>One value per key, in the order of <paramref name="keys"/>: the entry, or <see langword="null"/> when there is none.</returns>
    Task<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default);
}
