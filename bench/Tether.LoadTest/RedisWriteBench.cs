using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR.Client;

namespace Tether.LoadTest;

/// <summary>
/// The <c>--redis-write</c> run: hub calls that write the session, on one <c>redis-server</c> of the run's own, with
/// Tether's merged commit (one compare-and-set script per commit) against the whole-session commit it replaced
/// (<c>TETHER_MERGE_SESSIONS=false</c>: ASP.NET Core's <c>DistributedSession</c>), two server processes side by side,
/// rounds alternating. First every connection on a session of its own; then every connection on one session, each
/// writing a key of its own, where the whole-session commit loses writes and the merged one must not.
/// </summary>
internal static class RedisWriteBench
{
    public static async Task RunAsync(Action<string> say, TimeSpan duration)
    {
        using var redis = await RedisProcess.StartAsync();
        using var whole = await ServerProcess.StartAsync("redis", new Dictionary<string, string> { ["TETHER_MERGE_SESSIONS"] = "false" }, redis.EndPoint);
        using var merged = await ServerProcess.StartAsync("redis", redis.EndPoint);
        say($"redis-server {redis.EndPoint} (persistence off); whole-session commit {whole.BaseAddress}, merged commit {merged.BaseAddress}.");
        say(string.Empty);

        say("## Session-writing hub calls on Redis (`Write`: one `SetString`), whole-session commit (before) vs merged commit (now), rounds alternating, better round of each kept");
        say(string.Empty);
        say("| connections | sessions | whole calls/s | merged calls/s | **throughput ratio** | whole p50 / p99 ms | merged p50 / p99 ms | whole / merged server CPU µs/call | whole / merged Redis CPU µs/call | final writes lost, whole / merged |");
        say("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (connections, shared) in new[] { (50, false), (200, false), (50, true), (200, true) })
        {
            var wholeRuns = new List<Run>();
            var mergedRuns = new List<Run>();
            for (var round = 0; round < 2; round++)
            {
                wholeRuns.Add(await WriteRunAsync(redis, whole, connections, shared, duration));
                mergedRuns.Add(await WriteRunAsync(redis, merged, connections, shared, duration));
            }

            var w = wholeRuns.MaxBy(r => r.Measurement.CallsPerSecond)!;
            var m = mergedRuns.MaxBy(r => r.Measurement.CallsPerSecond)!;
            say(string.Create(CultureInfo.InvariantCulture,
                $"| {connections} | {(shared ? "one, shared" : "one each")} | {w.Measurement.CallsPerSecond:F0} | {m.Measurement.CallsPerSecond:F0} | **{m.Measurement.CallsPerSecond / w.Measurement.CallsPerSecond:F2}×** | {w.Measurement.P50:F2} / {w.Measurement.P99:F2} | {m.Measurement.P50:F2} / {m.Measurement.P99:F2} | {w.Measurement.CpuMicrosecondsPerCall:F1} / {m.Measurement.CpuMicrosecondsPerCall:F1} | {w.RedisCpu.TotalMicroseconds / w.Measurement.Calls:F1} / {m.RedisCpu.TotalMicroseconds / m.Measurement.Calls:F1} | {Lost(wholeRuns)} / {Lost(mergedRuns)} |"));
        }

        say(string.Empty);
        say("A final write is lost when the value a connection last wrote, and was told was saved, is not in the session at the end (read back over the hub); the column sums both rounds. Redis CPU per call is the redis-server process's CPU over the round (connects and warm-up included) divided by the timed calls.");
        say(string.Empty);
    }

    private static string Lost(List<Run> runs) => string.Create(CultureInfo.InvariantCulture, $"{runs.Sum(r => r.Lost)} of {runs.Sum(r => r.Keys)}");

    private static async Task<Run> WriteRunAsync(RedisProcess redis, ServerProcess server, int connectionCount, bool shared, TimeSpan duration)
    {
        var url = new Uri(server.BaseAddress, "/hubs/bridged");
        var sharedCookies = shared ? await SignInAsync(server) : null;
        var connections = new List<HubConnection>();
        var redisBefore = redis.Cpu;
        for (var i = 0; i < connectionCount; i++)
        {
            var cookies = sharedCookies ?? await SignInAsync(server);
            var connection = new HubConnectionBuilder().WithUrl(url, o => o.Cookies = cookies).Build();
            await connection.StartAsync();
            connections.Add(connection);
        }

        // Every round writes keys of its own, so what an earlier round left in a shared session is not counted.
        var round = Guid.NewGuid().ToString("N")[..8];
        try
        {
            await Task.WhenAll(connections.Select(async (c, index) =>
            {
                for (var i = 0; i < 20; i++)
                {
                    await c.InvokeAsync<string>("Write", "warm-" + index.ToString(CultureInfo.InvariantCulture), "warm");
                }
            }));

            var latencies = new List<double>[connectionCount];
            var last = new string?[connectionCount];
            var cpuBefore = server.Cpu;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(connections.Select(async (c, index) =>
            {
                var own = latencies[index] = new List<double>(4096);
                var key = round + "-" + index.ToString(CultureInfo.InvariantCulture);
                for (var n = 0; clock.Elapsed < duration; n++)
                {
                    var value = n.ToString(CultureInfo.InvariantCulture);
                    var start = Stopwatch.GetTimestamp();
                    var reply = await c.InvokeAsync<string>("Write", key, value);
                    own.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (reply != "ok")
                    {
                        throw new InvalidOperationException("Unexpected reply: " + reply);
                    }

                    last[index] = value;
                }
            }));
            var elapsed = clock.Elapsed;
            var cpu = server.Cpu - cpuBefore;

            // What each connection's session holds now, read back through the first connection of that session.
            var lost = 0;
            for (var index = 0; index < connectionCount; index++)
            {
                var stored = await connections[shared ? 0 : index].InvokeAsync<Dictionary<string, string?>>("ReadAll", round + "-");
                if (!stored.TryGetValue(round + "-" + index.ToString(CultureInfo.InvariantCulture), out var value) || value != last[index])
                {
                    lost++;
                }
            }

            var all = latencies.SelectMany(l => l).ToArray();
            return new Run(new Measurement("write", connectionCount, all.Length, elapsed, cpu, all), redis.Cpu - redisBefore, lost, connectionCount);
        }
        finally
        {
            await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    private static async Task<CookieContainer> SignInAsync(ServerProcess server)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = server.BaseAddress };
        await http.GetStringAsync("/signin");
        return cookies;
    }

    private sealed record Run(Measurement Measurement, TimeSpan RedisCpu, int Lost, int Keys);
}
