using System.Buffers.Binary;
using System.Text;

namespace Tether.Sessions;

/// <summary>
/// The bytes of a session in the store, exactly as ASP.NET Core's <c>DistributedSession</c> writes and reads them
/// (src/Middleware/Session/src/DistributedSession.cs), so a session written by either is read by the other and turning
/// Tether's merging session on or off loses no session. Stateless and thread-safe.
/// </summary>
internal static class SessionFormat
{
    public const int IdByteCount = 16;
    public const int KeyLengthLimit = ushort.MaxValue;
    private const byte SerializationRevision = 2;
    private const int HeaderLength = 1 + 3 + IdByteCount;

    // Format (DistributedSession's revision 2; all numbers big-endian):
    //   serialization revision: 1 byte, always 2
    //   entry count: 3 bytes, 0-16,777,215
    //   session id: 16 bytes (DistributedSession's ISession.Id is new Guid(these bytes))
    //   for each entry:
    //     key length: 2 bytes, 0-65,535
    //     key: that many bytes of UTF-8
    //     value length: 4 bytes, 0-2,147,483,647
    //     value: that many bytes
    // Keys are compared ordinally (DistributedSession's EncodedKey). Entry order carries no meaning.
    public static byte[] Write(byte[] id, Dictionary<string, byte[]> entries)
    {
        if (entries.Count > 0xFFFFFF)
        {
            throw new InvalidOperationException("A session holds at most 16,777,215 keys.");
        }

        var length = HeaderLength;
        foreach (var (key, value) in entries)
        {
            length += 2 + Encoding.UTF8.GetByteCount(key) + 4 + value.Length;
        }

        var bytes = new byte[length];
        var span = bytes.AsSpan();
        span[0] = SerializationRevision;
        span[1] = (byte)(entries.Count >> 16);
        span[2] = (byte)(entries.Count >> 8);
        span[3] = (byte)entries.Count;
        id.AsSpan(0, IdByteCount).CopyTo(span[4..]);
        var at = HeaderLength;
        foreach (var (key, value) in entries)
        {
            var keyLength = Encoding.UTF8.GetBytes(key, span[(at + 2)..]);
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], checked((ushort)keyLength));
            at += 2 + keyLength;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], value.Length);
            value.CopyTo(span[(at + 4)..]);
            at += 4 + value.Length;
        }

        return bytes;
    }

    /// <summary>
    /// Reads what <see cref="Write"/> or <c>DistributedSession</c> wrote. Returns <see langword="false"/> for bytes in
    /// any other shape (another revision, or cut short), which the merging session refuses to overwrite. Bytes after the
    /// last entry are ignored, as <c>DistributedSession</c> ignores them.
    /// </summary>
    public static bool TryRead(byte[] bytes, out byte[] id, out Dictionary<string, byte[]> entries)
    {
        id = [];
        entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var span = bytes.AsSpan();
        if (span.Length < HeaderLength || span[0] != SerializationRevision)
        {
            return false;
        }

        var count = (span[1] << 16) | (span[2] << 8) | span[3];
        id = span.Slice(4, IdByteCount).ToArray();
        var at = HeaderLength;
        try
        {
            for (var i = 0; i < count; i++)
            {
                var keyLength = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
                var key = Encoding.UTF8.GetString(span.Slice(at + 2, keyLength));
                at += 2 + keyLength;
                var valueLength = BinaryPrimitives.ReadInt32BigEndian(span[at..]);
                entries[key] = span.Slice(at + 4, valueLength).ToArray();
                at += 4 + valueLength;
            }
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }

        return true;
    }
}
