using System.Net.Sockets;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// Opens a <see cref="NearCacheLink"/>: <c>HELLO 3</c> with the connection's credentials, checks that Redis is one
/// standalone primary, asks it to report every change under the prefix (<c>CLIENT TRACKING ON BCAST PREFIX</c>), and
/// reads its <c>run_id</c>, which the link compares with the shared connection's server before it is used.
/// </summary>
/// <remarks>
/// Only what cannot change while the app runs turns the near cache off for good: a Redis without RESP3 or tracking, or
/// one in cluster or sentinel mode. Anything else (a wrong password during a rotation, <c>max number of clients</c>, a
/// replica, a busy script) fails this attempt, and the link tries again a second later.
/// </remarks>
internal static class TrackingHandshake
{
    /// <summary>The link's Redis client id and the server's run id, once tracking is on; a <see cref="TrackingRefusedException"/> when Redis is unfit.</summary>
    public static async Task<(long Id, string RunId)> RunAsync(NetworkStream stream, RespReader reader, ConfigurationOptions options, string prefix, CancellationToken cancellationToken)
    {
        string[] hello = options.Password is { } password
            ? ["HELLO", "3", "AUTH", options.User ?? "default", password, "SETNAME", "tether-near-cache"]
            : ["HELLO", "3", "SETNAME", "tether-near-cache"];
        await stream.WriteAsync(RespReader.Command(hello), cancellationToken);
        var reply = await reader.ReadAsync(cancellationToken);
        if (reply is RespError error)
        {
            throw Permanent(error)
                ? new TrackingRefusedException($"Redis refused HELLO 3 ({error.Message}); the near cache needs Redis 6 or later.")
                : new InvalidDataException($"Redis refused HELLO 3 ({error.Message}).");
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
            else if (fields[i] is "role" && fields[i + 1] is string role && role != "master")
            {
                throw new InvalidDataException($"the endpoint is a {role}, whose copy of the data may lag its primary's");
            }
        }

        string[] tracking = prefix.Length > 0 ? ["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", prefix] : ["CLIENT", "TRACKING", "ON", "BCAST"];
        await stream.WriteAsync(RespReader.Command(tracking), cancellationToken);
        if (await reader.ReadAsync(cancellationToken) is not "OK" and var refused)
        {
            throw refused is RespError { } trackingError && Permanent(trackingError)
                ? new TrackingRefusedException($"Redis refused CLIENT TRACKING ({trackingError.Message}).")
                : new InvalidDataException($"Redis refused CLIENT TRACKING ({(refused as RespError)?.Message ?? refused}).");
        }

        await stream.WriteAsync(RespReader.Command("INFO", "server"), cancellationToken);
        return (id, RunId(await reader.ReadAsync(cancellationToken) as string)
            ?? throw new InvalidDataException("INFO server named no run_id."));
    }

    /// <summary>The <c>run_id</c> of an <c>INFO server</c> text.</summary>
    public static string? RunId(string? info)
        => info?.Split('\n').Select(line => line.Trim()).FirstOrDefault(line => line.StartsWith("run_id:", StringComparison.Ordinal))?["run_id:".Length..];

    // What no retry can change: RESP3 or the command missing (Redis before 6, or a command renamed away).
    private static bool Permanent(RespError error)
        => error.Message.StartsWith("NOPROTO", StringComparison.Ordinal) || error.Message.Contains("unknown command", StringComparison.OrdinalIgnoreCase)
            || error.Message.Contains("unknown subcommand", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why the configuration rules the near cache out, or null when it does not.</summary>
    public static string? Unsupported(ConfigurationOptions options)
        => options.EndPoints.Count != 1 ? "it tracks one Redis endpoint, and the configuration names " + options.EndPoints.Count
            : options.Ssl ? "its link does not speak TLS"
            : options.ServiceName is not null ? "it does not follow Sentinel"
            : options.Proxy != Proxy.None ? "it does not go through a proxy"
            : null;
}

/// <summary>Redis cannot serve the near cache (too old, or not standalone): it stays off.</summary>
internal sealed class TrackingRefusedException(string message) : Exception(message);
