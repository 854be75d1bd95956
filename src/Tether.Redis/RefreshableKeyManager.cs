using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Tether.Redis;

/// <summary>
/// Data Protection's own <see cref="XmlKeyManager"/>, whose cache expiration token also fires on <see cref="Expire"/>:
/// Tether's key ring watch calls it when Redis holds keys this node's cached key ring lacks, and Data Protection re-reads
/// its ring then instead of at its next refresh, up to 24 hours away.
/// </summary>
/// <remarks>
/// <see cref="IKeyManager.GetCacheExpirationToken"/> is the documented signal that "callers who have cached keys should
/// clear their cache"; Data Protection's key ring provider takes one token per ring it caches, and re-reads every key when
/// it fires (as it does after <see cref="XmlKeyManager"/> creates or revokes a key). Nothing else changes: every other
/// call goes to the inner manager as it is. Thread-safe.
/// </remarks>
internal sealed class RefreshableKeyManager(IKeyManager inner) : IKeyManager, IDisposable
{
    private readonly Lock _lock = new();
    private CancellationTokenSource _expire = new();
    private (CancellationToken Inner, CancellationTokenSource Expire, CancellationToken Combined)? _last;

    public IKey CreateNewKey(DateTimeOffset activationDate, DateTimeOffset expirationDate) => inner.CreateNewKey(activationDate, expirationDate);

    public IReadOnlyCollection<IKey> GetAllKeys() => inner.GetAllKeys();

    public void RevokeAllKeys(DateTimeOffset revocationDate, string? reason = null) => inner.RevokeAllKeys(revocationDate, reason);

    public void RevokeKey(Guid keyId, string? reason = null) => inner.RevokeKey(keyId, reason);

    public CancellationToken GetCacheExpirationToken()
    {
        var innerToken = inner.GetCacheExpirationToken();
        lock (_lock)
        {
            if (_last is { } last && last.Inner == innerToken && last.Expire == _expire)
            {
                return last.Combined;
            }

            // A new pair only when one of the two changed, which each does only as it fires: the earlier linked source has
            // fired (or is about to), so it is left to the collector rather than disposed under a ring that still holds it.
            var combined = CancellationTokenSource.CreateLinkedTokenSource(innerToken, _expire.Token).Token;
            _last = (innerToken, _expire, combined);
            return combined;
        }
    }

    /// <summary>Makes Data Protection re-read its key ring: the ring it caches now is stale.</summary>
    public void Expire()
    {
        CancellationTokenSource expired;
        lock (_lock)
        {
            expired = _expire;
            _expire = new CancellationTokenSource();
        }

        expired.Cancel();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _expire.Dispose();
        }
    }
}
