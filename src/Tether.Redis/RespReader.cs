using System.Globalization;
using System.Text;

namespace Tether.Redis;

/// <summary>
/// Reads RESP3 replies and pushes (<see href="https://redis.io/docs/latest/develop/reference/protocol-spec/"/>) from one
/// stream, for the near cache's invalidation link, which StackExchange.Redis cannot give (see <see cref="NearCache"/>).
/// </summary>
/// <remarks>
/// A value is a <see cref="string"/> (simple, bulk and verbatim strings, doubles and big numbers, as sent), a
/// <see cref="long"/>, <see langword="null"/>, a <see cref="RespError"/>, an <c>object?[]</c> (arrays, sets, and maps as
/// their keys and values in turn) or a <see cref="RespPush"/>. Attributes are read and dropped. Only what a tracking link
/// needs is kept simple: a frame larger than the buffer grows it, up to <see cref="MaxFrame"/>.
/// </remarks>
internal sealed class RespReader(Stream stream)
{
    private const int MaxFrame = 64 * 1024 * 1024;
    private const int MaxDepth = 16;
    private const int MaxElements = 1 << 20;

    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    public ValueTask<object?> ReadAsync(CancellationToken cancellationToken) => ReadSkippingAttributesAsync(0, cancellationToken);

    // An attribute comes before the value it describes, at the top or inside an aggregate: it is read and dropped.
    private async ValueTask<object?> ReadSkippingAttributesAsync(int depth, CancellationToken cancellationToken)
    {
        while (true)
        {
            var value = await ReadValueAsync(depth, cancellationToken);
            if (value is not Attribute)
            {
                return value;
            }
        }
    }

    /// <summary>The RESP encoding of a command: an array of bulk strings.</summary>
    public static byte[] Command(params string[] arguments)
    {
        var text = new StringBuilder();
        text.Append('*').Append(arguments.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (var argument in arguments)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(argument).ToString(CultureInfo.InvariantCulture)).Append("\r\n").Append(argument).Append("\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private async ValueTask<object?> ReadValueAsync(int depth, CancellationToken cancellationToken)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException("A RESP reply nested deeper than the near cache's link reads.");
        }

        var line = await ReadLineAsync(cancellationToken);
        if (line.Length == 0)
        {
            throw new InvalidDataException("An empty RESP line.");
        }

        var body = line[1..];
        switch (line[0])
        {
            case '+':
            case ',':
            case '(':
                return body;
            case '-':
                return new RespError(body);
            case ':':
                return long.Parse(body, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            case '#':
                return body == "t" ? 1L : 0L;
            case '_':
                return null;
            case '$':
            case '=':
            case '!':
                {
                    var length = Length(body);
                    if (length < 0)
                    {
                        return null;
                    }

                    var text = await ReadBulkAsync(length, cancellationToken);
                    return line[0] == '!' ? new RespError(text) : line[0] == '=' && text.Length >= 4 ? text[4..] : text;
                }

            case '*':
            case '~':
            case '>':
            case '%':
            case '|':
                {
                    var count = Length(body);
                    if (count < 0)
                    {
                        return null;
                    }

                    if (count > MaxElements)
                    {
                        throw new InvalidDataException("A RESP aggregate larger than the near cache's link reads.");
                    }

                    var items = new object?[line[0] is '%' or '|' ? checked(count * 2) : count];
                    for (var i = 0; i < items.Length; i++)
                    {
                        items[i] = await ReadSkippingAttributesAsync(depth + 1, cancellationToken);
                    }

                    return line[0] switch
                    {
                        '>' => new RespPush(items),
                        '|' => Attribute.Instance,
                        _ => items,
                    };
                }

            default:
                throw new InvalidDataException($"An unknown RESP type '{line[0]}'.");
        }
    }

    private static int Length(string text)
    {
        var length = int.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return length > MaxFrame ? throw new InvalidDataException("A RESP frame larger than the near cache's link reads.") : length;
    }

    private async ValueTask<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = _start;
        while (true)
        {
            var at = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (at > _start && _buffer[at - 1] == '\r')
            {
                var line = Encoding.UTF8.GetString(_buffer, _start, at - 1 - _start);
                _start = at + 1;
                return line;
            }

            scanned = at >= 0 ? at + 1 : _end;
            var before = _start;
            await FillAsync(_end - _start + 1, cancellationToken);
            scanned -= before - _start;
        }
    }

    private async ValueTask<string> ReadBulkAsync(int length, CancellationToken cancellationToken)
    {
        while (_end - _start < length + 2)
        {
            await FillAsync(length + 2, cancellationToken);
        }

        if (_buffer[_start + length] != '\r' || _buffer[_start + length + 1] != '\n')
        {
            throw new InvalidDataException("A RESP bulk string not followed by CRLF.");
        }

        var text = Encoding.UTF8.GetString(_buffer, _start, length);
        _start += length + 2;
        return text;
    }

    // Reads more, keeping the unread bytes (moved to the front) and making room for at least `needed` of them.
    private async ValueTask FillAsync(int needed, CancellationToken cancellationToken)
    {
        if (needed > MaxFrame)
        {
            throw new InvalidDataException("A RESP line larger than the near cache's link reads.");
        }

        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }
        else if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException("Redis closed the near cache's invalidation link.");
        }

        _end += read;
    }

    private sealed class Attribute
    {
        public static readonly Attribute Instance = new();
    }
}

/// <summary>An error reply.</summary>
internal sealed record RespError(string Message);

/// <summary>An out-of-band push, such as an invalidation.</summary>
internal sealed record RespPush(object?[] Items);
