using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Caching.Distributed;

namespace Tether.Sessions;

/// <summary>
/// An <see cref="ISession"/> that commits only what its request or event changed: it reads the session as
/// <c>DistributedSession</c> does, keeps what the handler set, removed, cleared or updated (<see cref="SessionChanges"/>),
/// and commits it with <see cref="SessionCommit"/>, which merges it over the store's current value. Two writers of one
/// session at the same moment, over HTTP or on events, keep both their writes (dotnet/aspnetcore#12864; a lock was
/// refused in #24148 because it does not scale, so none is held across a request).
/// </summary>
/// <remarks>
/// Behaves as <c>DistributedSession</c> otherwise: the same bytes in the store (<see cref="SessionFormat"/>), the same
/// sliding expiration of <c>SessionOptions.IdleTimeout</c>, the same I/O timeout, a refresh when unmodified, and the same
/// refusal to write once the response started. Used by one request or event at a time, as <see cref="ISession"/> is.
/// </remarks>
internal sealed class MergingSession(
    IDistributedCache cache,
    SessionCommit commit,
    string sessionKey,
    TimeSpan idleTimeout,
    TimeSpan ioTimeout,
    Func<bool> tryEstablishSession) : ISession
{
    private readonly SessionChanges _changes = new();
    private Dictionary<string, byte[]>? _entries;
    private byte[]? _stored;
    private byte[]? _id;
    private bool _loaded;
    private bool _available;
    private bool _unreadable;

    public bool IsAvailable
    {
        get
        {
            Load();
            return _available;
        }
    }

    public string Id
    {
        get
        {
            Load();
            return _available ? new Guid(IdBytes).ToString() : string.Empty;
        }
    }

    // The loaded session's, or made on first use: a session read from the store never makes an empty one first.
    private Dictionary<string, byte[]> Entries => _entries ??= new(StringComparer.Ordinal);

    private byte[] IdBytes => _id ??= RandomNumberGenerator.GetBytes(SessionFormat.IdByteCount);

    public IEnumerable<string> Keys
    {
        get
        {
            Load();
            return Entries.Keys;
        }
    }

    /// <summary>The store key this session is kept under.</summary>
    public string Key => sessionKey;

    public bool TryGetValue(string key, [NotNullWhen(true)] out byte[]? value)
    {
        Load();
        return Entries.TryGetValue(key, out value);
    }

    public void Set(string key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (IsAvailable)
        {
            EnsureWritable(key);
            Entries[key] = [.. value];
            _changes.Set(key, Entries[key]);
        }
    }

    public void Remove(string key)
    {
        Load();
        if (Entries.Remove(key))
        {
            _changes.Set(key, null);
        }
    }

    public void Clear()
    {
        Load();
        if (Entries.Count > 0)
        {
            Entries.Clear();
            _changes.Clear();
        }
    }

    /// <summary>
    /// Sets <paramref name="key"/> to what <paramref name="update"/> makes of its value (<see langword="null"/> removes
    /// it), and runs <paramref name="update"/> again on the store's value at commit if another writer changed the
    /// session since it was loaded.
    /// </summary>
    public async Task<byte[]?> UpdateAsync(string key, Func<byte[]?, byte[]?> update, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        EnsureWritable(key);
        var value = update(Entries.GetValueOrDefault(key));
        if (value is null)
        {
            Entries.Remove(key);
        }
        else
        {
            Entries[key] = value;
        }

        _changes.Update(key, update);
        return value;
    }

    private void EnsureWritable(string key)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(key) > SessionFormat.KeyLengthLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(key), $"The key cannot be longer than '{SessionFormat.KeyLengthLimit}' when encoded with UTF-8.");
        }

        if (!tryEstablishSession())
        {
            throw new InvalidOperationException("The session cannot be established after the response has started.");
        }
    }

    private void Load()
    {
        if (_loaded)
        {
            return;
        }

        // As DistributedSession's synchronous load: a store failure makes the session unavailable, not an exception.
        try
        {
            Loaded(cache.Get(sessionKey));
        }
        catch (Exception)
        {
            _loaded = true;
            _available = false;
        }
    }

    public async Task LoadAsync(CancellationToken cancellationToken = default)
    {
        if (_loaded)
        {
            return;
        }

        // Read up front by the event, or held in process: no task, no timeout to arm.
        if (cache is Store.EventStoreCache store && !cancellationToken.IsCancellationRequested && store.TryGetNow(sessionKey, out var now))
        {
            Loaded(now);
            return;
        }

        using var timeout = IoTimeout.Start(ioTimeout, cancellationToken);
        try
        {
            timeout.Token.ThrowIfCancellationRequested();
            Loaded(await cache.GetAsync(sessionKey, timeout.Token));
        }
        catch (OperationCanceledException ex) when (timeout.TimedOut(cancellationToken))
        {
            throw new OperationCanceledException("Timed out loading the session.", ex, timeout.Token);
        }
    }

    private void Loaded(byte[]? stored)
    {
        _stored = stored;
        if (stored is not null)
        {
            // A value in another shape is read as an empty session, as DistributedSession reads it, but never overwritten.
            _unreadable = !SessionFormat.TryRead(stored, out var id, out var entries);
            if (!_unreadable)
            {
                _id = id;
                _entries = entries;
            }
        }

        _available = true;
        _loaded = true;
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = IoTimeout.Start(ioTimeout, cancellationToken);
        try
        {
            if (!_changes.Any)
            {
                // Unmodified, DistributedSession refreshes the entry to slide its idle timeout; so does this.
                await cache.RefreshAsync(sessionKey, timeout.Token);
                return;
            }

            if (_unreadable)
            {
                throw new SessionUnavailableException(
                    "The session in the store is not in DistributedSession's format, so what the request or event wrote to it was not saved rather than overwrite it.",
                    null);
            }

            var options = new DistributedCacheEntryOptions { SlidingExpiration = idleTimeout };
            (_stored, _entries, _id) = await commit.CommitAsync(sessionKey, _stored, IdBytes, Entries, _changes, options, timeout.Token);
            _changes.Reset();
        }
        catch (OperationCanceledException ex) when (timeout.TimedOut(cancellationToken))
        {
            throw new OperationCanceledException("Timed out committing the session.", ex, timeout.Token);
        }
    }
}
