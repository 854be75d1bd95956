using System.Runtime.ExceptionServices;

namespace Tether.Store;

/// <summary>
/// The store entries one event read up front, in one round trip: a feature of the event's context, so it lives exactly as
/// long as the event and is never seen by another one.
/// </summary>
internal sealed class EventStoreReads
{
    private readonly Dictionary<string, byte[]?> _entries;
    private readonly ExceptionDispatchInfo? _failure;

    private EventStoreReads(Dictionary<string, byte[]?> entries, ExceptionDispatchInfo? failure)
    {
        _entries = entries;
        _failure = failure;
    }

    public static EventStoreReads Read(IReadOnlyList<string> keys, byte[]?[] values)
    {
        var entries = new Dictionary<string, byte[]?>(keys.Count, StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            entries[keys[i]] = values[i];
        }

        return new EventStoreReads(entries, null);
    }

    /// <summary>
    /// The batch failed: every read of one of its keys fails the same way, at once, instead of trying the store again and
    /// waiting for it once per key.
    /// </summary>
    public static EventStoreReads Failed(IReadOnlyList<string> keys, Exception failure)
    {
        var entries = new Dictionary<string, byte[]?>(keys.Count, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            entries[key] = null;
        }

        return new EventStoreReads(entries, ExceptionDispatchInfo.Capture(failure));
    }

    /// <summary>Whether the event read <paramref name="key"/> up front (and, if so, what it read).</summary>
    public bool TryGet(string key, out byte[]? value)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(key, out value))
            {
                return false;
            }
        }

        _failure?.Throw();
        return true;
    }

    /// <summary>
    /// Whether a refresh of <paramref name="key"/> can be skipped: the batch already slid its expiration, or it failed, and
    /// a refresh (which <c>SessionMiddleware</c> tries after a session that failed to load) would only fail again.
    /// </summary>
    public bool WasRead(string key)
    {
        lock (_entries)
        {
            return _entries.ContainsKey(key);
        }
    }

    /// <summary>The event wrote or removed <paramref name="key"/>: later reads go to the store.</summary>
    public void Forget(string key)
    {
        lock (_entries)
        {
            _entries.Remove(key);
        }
    }
}
