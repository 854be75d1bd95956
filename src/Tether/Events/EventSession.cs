using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// Wraps the session that <c>SessionMiddleware</c> created for an event so the terminal can commit the handler's writes
/// itself and report a store failure. The middleware's own commit only logs failures, which would lose a write without
/// anyone knowing; when the middleware commits afterwards this wrapper turns that into a no-op.
/// </summary>
internal sealed class EventSession(ISession inner) : ISession
{
    private bool _modified;
    private bool _committed;

    public bool IsAvailable => inner.IsAvailable;

    public string Id => inner.Id;

    public IEnumerable<string> Keys => inner.Keys;

    public bool IsModified => _modified;

    /// <summary>The session <c>SessionMiddleware</c> created, for a feature's own operations on it.</summary>
    public ISession Inner => inner;

    /// <summary>A feature changed <see cref="Inner"/> through an operation of its own: the terminal commits it.</summary>
    public void MarkModified() => _modified = true;

    public Task LoadAsync(CancellationToken cancellationToken = default) => inner.LoadAsync(cancellationToken);

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        // Unmodified, DistributedSession would only call IDistributedCache.Refresh to slide the idle timeout; the Get
        // that loaded it for this event already did that in the memory, Redis and SQL Server caches. Skipping it keeps
        // an event to one store round trip.
        if (_committed || !_modified)
        {
            return;
        }

        _committed = true;
        await inner.CommitAsync(cancellationToken);
    }

    public bool TryGetValue(string key, [NotNullWhen(true)] out byte[]? value) => inner.TryGetValue(key, out value);

    public void Set(string key, byte[] value)
    {
        _modified = true;
        inner.Set(key, value);
    }

    public void Remove(string key)
    {
        _modified = true;
        inner.Remove(key);
    }

    public void Clear()
    {
        _modified = true;
        inner.Clear();
    }
}
