namespace Tether.Events;

/// <summary>
/// The last few entries one connection's events added, bounded in number (a new entry replaces the oldest) and in age
/// (an entry older than the duration is never found): the ring that <see cref="UnprotectCache"/> and
/// <see cref="TicketCache"/> keep, so a key-ring rotation or a key revocation takes effect within
/// <see cref="TetherOptions.UnprotectCacheDuration"/>. Safe for concurrent events of one connection.
/// </summary>
/// <typeparam name="TEntry">What is kept: immutable, so it is read outside the lock.</typeparam>
internal abstract class RecentEntries<TEntry>(int capacity, TimeSpan duration, TimeProvider clock)
    where TEntry : class
{
    private readonly long _maxAge = (long)(duration.TotalSeconds * clock.TimestampFrequency);
    private readonly (TEntry? Entry, long Created)[] _entries = new (TEntry?, long)[capacity];
    private int _next;

    /// <summary>The first entry still young enough that <paramref name="matches"/> accepts for <paramref name="key"/>.</summary>
    protected TEntry? Find<TKey>(TKey key, Func<TEntry, TKey, bool> matches)
    {
        var now = clock.GetTimestamp();
        lock (_entries)
        {
            foreach (var (entry, created) in _entries)
            {
                if (entry is not null && now - created <= _maxAge && matches(entry, key))
                {
                    return entry;
                }
            }
        }

        return null;
    }

    /// <summary>Keeps <paramref name="entry"/>, aged from now, in place of the oldest.</summary>
    protected void Add(TEntry entry)
    {
        var created = clock.GetTimestamp();
        lock (_entries)
        {
            _entries[_next] = (entry, created);
            _next = (_next + 1) % _entries.Length;
        }
    }
}
