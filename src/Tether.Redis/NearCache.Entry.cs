namespace Tether.Redis;

internal sealed partial class NearCache
{
    /// <summary>A held entry: the cache's value, its expirations (RedisCache's ticks) and when Redis expires it.</summary>
    internal sealed class Entry(long link, byte[] data, long absolute, long sliding, long deadline)
    {
        private int _slid;

        /// <summary>
        /// The <see cref="Environment.TickCount64"/> by which Redis expires the key at the earliest, as the time to live
        /// read with it said (counted from before the read); <see cref="long.MaxValue"/> for never.
        /// </summary>
        public long Deadline { get; } = deadline;

        /// <summary>The link it was read under.</summary>
        public long Link { get; } = link;

        public byte[] Data { get; } = data;

        public long Absolute { get; } = absolute;

        public long Sliding { get; } = sliding;

        /// <summary>True for the one event that sends this entry's slide.</summary>
        public bool TrySlide() => Interlocked.Exchange(ref _slid, 1) == 0;
    }

    /// <summary>The link and the last invalidation applied, just before a read from Redis.</summary>
    internal readonly record struct Capture(long Link, long Sequence);
}
