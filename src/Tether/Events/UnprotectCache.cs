using Microsoft.AspNetCore.DataProtection;

namespace Tether.Events;

/// <summary>
/// The plaintexts of the last few payloads one connection's events unprotected (its authentication ticket and session
/// key), keyed by the protector and the exact protected bytes. Bounded in size and in age, so a key-ring rotation or a
/// key revocation takes effect within <see cref="TetherOptions.UnprotectCacheDuration"/>.
/// </summary>
internal sealed class UnprotectCache(TimeSpan duration, TimeProvider clock)
{
    private const int Capacity = 4;

    private readonly long _maxAge = (long)(duration.TotalSeconds * clock.TimestampFrequency);
    private readonly Entry?[] _entries = new Entry?[Capacity];
    private int _next;

    public bool TryGet(IDataProtector protector, byte[] protectedData, out byte[] plaintext)
    {
        var now = clock.GetTimestamp();
        lock (_entries)
        {
            foreach (var entry in _entries)
            {
                if (entry is not null && ReferenceEquals(entry.Protector, protector) && now - entry.Created <= _maxAge
                    && entry.Protected.AsSpan().SequenceEqual(protectedData))
                {
                    // A copy: the caller owns what Unprotect returns and may clear it.
                    plaintext = (byte[])entry.Plaintext.Clone();
                    return true;
                }
            }
        }

        plaintext = [];
        return false;
    }

    public void Add(IDataProtector protector, byte[] protectedData, byte[] plaintext)
    {
        var entry = new Entry(protector, (byte[])protectedData.Clone(), (byte[])plaintext.Clone(), clock.GetTimestamp());
        lock (_entries)
        {
            _entries[_next] = entry;
            _next = (_next + 1) % Capacity;
        }
    }

    private sealed record Entry(IDataProtector Protector, byte[] Protected, byte[] Plaintext, long Created);
}
