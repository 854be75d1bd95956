using System.Net.Sockets;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// Opens a <see cref="NearCacheLink"/>: <c>HELLO 3</c> with the connection's credentials, checks that Redis is one
/// standalone server, and asks it to report every change under the prefix (<c>CLIENT TRACKING ON BCAST PREFIX</c>).
/// </summary>
internal static class TrackingHandshake
{
    /// <summary>The link's Redis client id, once tracking is on; a <see cref="TrackingRefusedException"/> when Redis is unfit.</summary>
    public static async Task<long> RunAsync(NetworkStream stream, RespReader reader, ConfigurationOptions options, string prefix, CancellationToken cancellationToken)
    {
        string[] hello = options.Password is { } password
            ? ["HELLO", "3", "AUTH", options.User ?? "default", password, "SETNAME", "tether-near-cache"]
            : ["HELLO", "3", "SETNAME", "tether-near-cache"];
        await stream.WriteAsync(RespReader.Command(hello), cancellationToken);
        var reply = await reader.ReadAsync(cancellationToken);
        if (reply is RespError error)
        {
            throw new TrackingRefusedException($"Redis refused HELLO 3 ({error.Message}); it needs Redis 6 or later and the connection's credentials.");
        }

        var fields = reply as object?[] ?? throw new InvalidDataException("HELLO 3 answered with no map.");
        long id = 0;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            if (fields[i] is "id" && fields[i + 1] is long value)
            {
                id = value;
            }
            else if (fields[i] is "mode" && fields[i + 1] is string mode && mode != "standalone")
            {
                throw new TrackingRefusedException($"Redis runs in {mode} mode; the near cache tracks one standalone server.");
            }
        }

        string[] tracking = prefix.Length > 0 ? ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", prefix] : ["CLIENT", "TRACKING", "ON", "BCAST"];
        await stream.WriteAsync(RespReader.Command(tracking), cancellationToken);
        if (await reader.ReadAsync(cancellationToken) is not "OK" and var refused)
        {
            throw new TrackingRefusedException($"Redis refused CLIENT TRACKING ({(refused as RespError)?.Message ?? refused}).");
        }

        return id;
    }

    /// <summary>Why the configuration rules the near cache out, or null when it does not.</summary>
    public static string? Unsupported(ConfigurationOptions options)
        => options.EndPoints.Count != 1 ? "it tracks one Redis endpoint, and the configuration names " + options.EndPoints.Count
            : options.Ssl ? "its link does not speak TLS"
            : options.ServiceName is not null ? "it does not follow Sentinel"
            : options.Proxy != Proxy.None ? "it does not go through a proxy"
            : null;
}

/// <summary>Redis cannot serve the near cache (too old, not standalone, or it refused tracking): it stays off.</summary>
internal sealed class TrackingRefusedException(string message) : Exception(message);
