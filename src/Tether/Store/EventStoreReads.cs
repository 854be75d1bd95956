using System.Runtime.ExceptionServices;

namespace Tether.Store;

/// <summary>
/// The store entries one event read up front, in one round trip: a feature of the event's context, so it lives exactly as
/// long as the event and is never seen by another one.
/// </summary>
internal sealed class EventStoreReads
{
    // The batch's arrays (a handful of keys), scanned in place: no dictionary per event. A key forgotten after a write is
    // nulled out of _keys, which is built per event by the prefetch and is also the lock; _values is only read.
    private readonly string?[] _keys;
    private readonly byte[]?[] _values;
    private readonly ExceptionDispatchInfo? _failure;

    private EventStoreReads(string?[] keys, byte[]?[] values, ExceptionDispatchInfo? failure)
    {
        _keys = keys;
        _values = values;
        _failure = failure;
    }

    /// <summary>The batch read <paramref name="values"/> for <paramref name="keys"/>; <paramref name="keys"/> is the reads' from now on.</summary>
    public static EventStoreReads Read(string[] keys, byte[]?[] values)
    {
        if (values.Length != keys.Length)
        {
            throw new InvalidOperationException($"A batch read of {keys.Length} keys returned {values.Length} values.");
        }

        return new EventStoreReads(keys, values, null);
    }

    /// <summary>
    /// The batch failed: every read of one of its keys fails the same way, at once, instead of trying the store again and
    /// waiting for it once per key.
    /// </summary>
    public static EventStoreReads Failed(string[] keys, Exception failure)
        => new(keys, new byte[]?[keys.Length], ExceptionDispatchInfo.Capture(failure));

    /// <summary>Whether the event read <paramref name="key"/> up front (and, if so, what it read).</summary>
    public bool TryGet(string key, out byte[]? value)
    {
        lock (_keys)
        {
            var i = IndexOf(key);
            if (i < 0)
            {
                value = null;
                return false;
            }

            value = _values[i];
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
        lock (_keys)
        {
            return IndexOf(key) >= 0;
        }
    }

    /// <summary>The event wrote or removed <paramref name="key"/>: later reads go to the store.</summary>
    public void Forget(string key)
    {
        lock (_keys)
        {
            // Only the keys, which are Tether's own array: the values are the batch reader's, and are never written.
            for (var i = 0; i < _keys.Length; i++)
            {
                if (string.Equals(_keys[i], key, StringComparison.Ordinal))
                {
                    _keys[i] = null;
                }
            }
        }
    }

    private int IndexOf(string key)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (string.Equals(_keys[i], key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
