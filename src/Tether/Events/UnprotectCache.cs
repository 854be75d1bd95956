using Microsoft.AspNetCore.DataProtection;

namespace Tether.Events;

/// <summary>
/// The plaintexts of the last few payloads one connection's events unprotected (its session key, and an authentication
/// cookie's payload when <see cref="TicketCache"/> does not hold its ticket), keyed by the protector and the exact
/// protected bytes; bounded as <see cref="RecentEntries{TEntry}"/> is.
/// </summary>
internal sealed class UnprotectCache(TimeSpan duration, TimeProvider clock) : RecentEntries<UnprotectCache.Entry>(4, duration, clock)
{
    public bool TryGet(IDataProtector protector, byte[] protectedData, out byte[] plaintext)
    {
        if (Find((protector, protectedData), static (entry, key) => ReferenceEquals(entry.Protector, key.protector)
            && entry.Protected.AsSpan().SequenceEqual(key.protectedData)) is { } found)
        {
            // A copy: the caller owns what Unprotect returns and may clear it.
            plaintext = (byte[])found.Plaintext.Clone();
            return true;
        }

        plaintext = [];
        return false;
    }

    public void Add(IDataProtector protector, byte[] protectedData, byte[] plaintext)
        => Add(new Entry(protector, (byte[])protectedData.Clone(), (byte[])plaintext.Clone()));

    internal sealed record Entry(IDataProtector Protector, byte[] Protected, byte[] Plaintext);
}
