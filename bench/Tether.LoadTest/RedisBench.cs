using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using StackExchange.Redis;

namespace Tether.LoadTest;

/// <summary>
/// The <c>--redis</c> runs: nodes scaled out on one <c>redis-server</c> of the run's own. Hub throughput with Tether on
/// Redis against a plain hub on the same Redis; the Redis commands an event costs, read from <c>INFO commandstats</c>;
/// how fast a sign-out on node A reaches a hub client on node B; and Redis killed mid-load and started again.
/// </summary>
internal static class RedisBench
{
    private const string SignedOut = "tether:signedout";

    public delegate Task<Measurement> HubRun(ServerProcess server, CookieContainer cookies, string hub, int connections, TimeSpan duration);

    public static async Task RunAsync(Action<string> say, TimeSpan duration, HubRun hubRun)
    {
        ArgumentNullException.ThrowIfNull(say);
        ArgumentNullException.ThrowIfNull(hubRun);
        using (var redis = await RedisProcess.StartAsync())
        {
            using var a = await ServerProcess.StartAsync("redis", redis.EndPoint);
            using var b = await ServerProcess.StartAsync("redis", redis.EndPoint);
            using var plain = await ServerProcess.StartAsync("redis-plain", redis.EndPoint);
            // The same bridged node with TetherRedisOptions.NearCache = false: every event reads its entries from Redis.
            using var batch = await ServerProcess.StartAsync("redis", new Dictionary<string, string> { ["TETHER_NEAR_CACHE"] = "false" }, redis.EndPoint);
            say($"redis-server {redis.EndPoint} (persistence off); node A {a.BaseAddress}, node B {b.BaseAddress}, plain {plain.BaseAddress}, no near cache {batch.BaseAddress}.");
            say(string.Empty);
            await ThroughputAsync(say, redis, a, batch, plain, duration, hubRun);
            await CommandsAsync(say, redis, a, events: 1000);
            await RoundTripsAsync(say, redis, events: 1000);
            await PushLatencyAsync(say, a, b, trials: 100);
        }

        await FaultAsync(say, clientsPerNode: 12);
    }

    private static async Task ThroughputAsync(Action<string> say, RedisProcess redis, ServerProcess bridged, ServerProcess batch, ServerProcess plain, TimeSpan duration, HubRun hubRun)
    {
        var sides = new (string Name, ServerProcess Server, CookieContainer Cookies)[]
        {
            ("plain", plain, await SignInAsync(plain)),
            ("bridged", bridged, await SignInAsync(bridged)),
            ("bridged", batch, await SignInAsync(batch)),
        };

        // Steady state first: a run of each side, unmeasured, then until the JIT's tier-1 compilation (seconds of a
        // background thread's CPU after the first calls, more in the bridged nodes, which run more code) has settled on
        // every node, so no side's round pays for it or loses the shared cores to another node's compiler.
        foreach (var (name, server, cookies) in sides)
        {
            await hubRun(server, cookies, name, 50, duration);
        }

        say(await SettleAsync([.. sides.Select(s => s.Server).Distinct()]));
        say(string.Empty);
        say("## 1. Hub calls on Redis: plain hub (SignalR + Redis backplane, no Tether) vs bridged (Tether + revocable sign-in + AddRedis, with its near cache) vs bridged with `NearCache = false` (every event reads Redis), rounds alternating, better round of each kept");
        say(string.Empty);
        say("| connections | side | calls/s | **÷ plain** | p50 / p99 ms | server CPU µs/call | **÷ plain** | Redis CPU µs/call |");
        say("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var connections in new[] { 50, 200 })
        {
            var runs = sides.Select(_ => new List<(Measurement Run, TimeSpan RedisCpu)>()).ToArray();
            for (var round = 0; round < 2; round++)
            {
                for (var side = 0; side < sides.Length; side++)
                {
                    var before = redis.Cpu;
                    var run = await hubRun(sides[side].Server, sides[side].Cookies, sides[side].Name, connections, duration);
                    runs[side].Add((run, redis.Cpu - before));
                }
            }

            var best = runs.Select(side => side.MaxBy(m => m.Run.CallsPerSecond)).ToArray();
            var names = new[] { "plain", "bridged, near cache", "bridged, `NearCache = false`" };
            for (var side = 0; side < sides.Length; side++)
            {
                var (run, redisCpu) = best[side];
                say(string.Create(CultureInfo.InvariantCulture,
                    $"| {connections} | {names[side]} | {run.CallsPerSecond:F0} | **{run.CallsPerSecond / best[0].Run.CallsPerSecond:F2}×** | {run.P50:F2} / {run.P99:F2} | {run.CpuMicrosecondsPerCall:F1} | **{run.CpuMicrosecondsPerCall / best[0].Run.CpuMicrosecondsPerCall:F2}×** | {redisCpu.TotalMicroseconds / run.Calls:F1} |"));
            }
        }

        say(string.Empty);
        say("Redis CPU per call is the redis-server process's CPU time over the whole round (connects and warm-up included) divided by the timed calls.");
        say(string.Empty);
    }

    // Waits until a second passes in which no server runs 20 ms of CPU (at most 30 s); says how long it took.
    private static async Task<string> SettleAsync(IReadOnlyList<ServerProcess> servers)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var before = servers.Select(s => s.ThreadCpu).ToArray();
            await Task.Delay(TimeSpan.FromSeconds(1));
            var busiest = servers.Select((s, i) => s.ThreadCpu - before[i]).Max();
            if (busiest < TimeSpan.FromMilliseconds(20))
            {
                return string.Create(CultureInfo.InvariantCulture, $"After a warm-up run of each side, the nodes settled in {clock.Elapsed.TotalSeconds:F0} s (the busiest idle node ran {busiest.TotalMilliseconds:F1} ms in the last second).");
            }
        }

        throw new InvalidOperationException("The nodes' CPU did not settle within 30 s of the warm-up.");
    }

    private static async Task CommandsAsync(Action<string> say, RedisProcess redis, ServerProcess node, int events)
    {
        using var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.EndPoint},allowAdmin=true,setlib=false");
        var server = admin.GetServer(redis.EndPoint);
        var cookies = await SignInAsync(node);
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(node.BaseAddress, "/hubs/bridged"), o => o.Cookies = cookies).Build();
        await hub.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            await hub.InvokeAsync<string>("Echo", "warm");
            await hub.InvokeAsync<string>("Write", "w", "warm" + i.ToString(CultureInfo.InvariantCulture));
        }

        var idle = await CountAsync(server, () => Task.Delay(TimeSpan.FromSeconds(1)));
        var reads = await CountAsync(server, async () =>
        {
            for (var i = 0; i < events; i++)
            {
                await hub.InvokeAsync<string>("Echo", "x");
            }
        });
        var writes = await CountAsync(server, async () =>
        {
            for (var i = 0; i < events; i++)
            {
                await hub.InvokeAsync<string>("Write", "w", i.ToString(CultureInfo.InvariantCulture));
            }
        });

        say($"## 2. Redis commands per event (CONFIG RESETSTAT, {events} sequential hub calls on one signed-in connection to node A, INFO commandstats; nodes A, B and plain connected)");
        say(string.Empty);
        say("| command (INFO commandstats) | read-only event (`Echo`: user + session read) | session-writing event (`Write`: SetString) | idle control, 1 s, total calls |");
        say("|---|---:|---:|---:|");
        foreach (var command in reads.Keys.Union(writes.Keys).Union(idle.Keys).Order(StringComparer.Ordinal))
        {
            say(string.Create(CultureInfo.InvariantCulture,
                $"| {command} | {reads.GetValueOrDefault(command) / (double)events:F3} | {writes.GetValueOrDefault(command) / (double)events:F3} | {idle.GetValueOrDefault(command)} |"));
        }

        say(string.Empty);
        say("Commands run inside a script (`redis.call`) are counted by Redis under their own names as well as under `evalsha`/`eval`; the client sent only the script call. The `info` and `config|resetstat` rows (if any) are the measurement's own.");
        say(string.Empty);
    }

    private static async Task RoundTripsAsync(Action<string> say, RedisProcess redis, int events)
    {
        // A node of its own, connected to Redis through the counting proxy (its interactive and subscription connections
        // both): what it sends to Redis per event, in writes that reach Redis.
        using var proxy = new RedisCountingProxy(redis.Port);
        using var node = await ServerProcess.StartAsync("redis", proxy.EndPoint);
        var cookies = await SignInAsync(node);
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(node.BaseAddress, "/hubs/bridged"), o => o.Cookies = cookies).Build();
        await hub.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            await hub.InvokeAsync<string>("Echo", "warm");
            await hub.InvokeAsync<string>("Write", "w", "warm" + i.ToString(CultureInfo.InvariantCulture));
        }

        async Task<(long Flights, long Bytes)> MeasureAsync(Func<Task> work)
        {
            proxy.Reset();
            await work();
            return proxy.Counts;
        }

        var idle = await MeasureAsync(() => Task.Delay(TimeSpan.FromSeconds(1)));
        var reads = await MeasureAsync(async () =>
        {
            for (var i = 0; i < events; i++)
            {
                await hub.InvokeAsync<string>("Echo", "x");
            }
        });
        var writes = await MeasureAsync(async () =>
        {
            for (var i = 0; i < events; i++)
            {
                await hub.InvokeAsync<string>("Write", "w", i.ToString(CultureInfo.InvariantCulture));
            }
        });

        say($"### Round trips per event, through a counting TCP proxy ({events} sequential hub calls on a node whose Redis connections go through it)");
        say(string.Empty);
        say("| | writes reaching Redis per event | bytes sent to Redis per event |");
        say("|---|---:|---:|");
        say(string.Create(CultureInfo.InvariantCulture, $"| read-only event (`Echo`) | {reads.Flights / (double)events:F3} | {reads.Bytes / (double)events:F0} |"));
        say(string.Create(CultureInfo.InvariantCulture, $"| session-writing event (`Write`) | {writes.Flights / (double)events:F3} | {writes.Bytes / (double)events:F0} |"));
        say($"| idle control, 1 s (total) | {idle.Flights} | {idle.Bytes} |");
        say(string.Empty);
        say("Each write the proxy reads from the node is one burst of commands the node sent before it waited for replies; sequential events cannot overlap, so writes per event = round trips per event.");
        say(string.Empty);
    }

    private static async Task<Dictionary<string, long>> CountAsync(IServer server, Func<Task> work)
    {
        await server.ConfigResetStatisticsAsync();
        await work();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var (key, value) in group)
            {
                // cmdstat_evalsha:calls=1000,usec=...,usec_per_call=...,rejected_calls=0,failed_calls=0
                var calls = value.Split(',').First(p => p.StartsWith("calls=", StringComparison.Ordinal))["calls=".Length..];
                counts[key.Replace("cmdstat_", string.Empty, StringComparison.Ordinal)] = long.Parse(calls, CultureInfo.InvariantCulture);
            }
        }

        return counts;
    }

    private static async Task PushLatencyAsync(Action<string> say, ServerProcess a, ServerProcess b, int trials)
    {
        var pushes = new List<double>(trials);
        var responses = new List<double>(trials);
        for (var trial = 0; trial < trials + 5; trial++)
        {
            var (push, response) = await PushOnceAsync(a, b);
            if (trial >= 5)
            {
                pushes.Add(push ?? throw new InvalidOperationException("The sign-out on A did not reach the client on B within 10 s."));
                responses.Add(response);
            }
        }

        say($"## 3. Push latency across nodes: hub client signed in and connected on node B, GET /signout on node A, until the client on B receives `{SignedOut}`; {trials} trials after 5 warm-up ones");
        say(string.Empty);
        say("| | p50 ms | p99 ms | max ms |");
        say("|---|---:|---:|---:|");
        say(string.Create(CultureInfo.InvariantCulture, $"| request start on A → `{SignedOut}` on B | {Percentile(pushes, 0.5):F2} | {Percentile(pushes, 0.99):F2} | {pushes.Max():F2} |"));
        say(string.Create(CultureInfo.InvariantCulture, $"| request start on A → A's response (for reference) | {Percentile(responses, 0.5):F2} | {Percentile(responses, 0.99):F2} | {responses.Max():F2} |"));
        say(string.Empty);
    }

    /// <summary>Signs in on B, connects a hub client on B, signs out on A; the push's time, or null if none came in 10 s.</summary>
    private static async Task<(double? Push, double Response)> PushOnceAsync(ServerProcess a, ServerProcess b)
    {
        // Cookies are per host, not per port: one container serves both nodes, as a browser would behind one balancer.
        var cookies = await SignInAsync(b);
        var signedOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long pushedAt = 0;
        await using var hub = new HubConnectionBuilder().WithUrl(new Uri(b.BaseAddress, "/hubs/bridged"), o => o.Cookies = cookies).Build();
        hub.On(SignedOut, () =>
        {
            pushedAt = Stopwatch.GetTimestamp();
            signedOut.TrySetResult();
        });
        await hub.StartAsync();
        await hub.InvokeAsync<string>("Echo", "x");
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = a.BaseAddress };
        var start = Stopwatch.GetTimestamp();
        await http.GetStringAsync("/signout");
        var response = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        try
        {
            await signedOut.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            return (null, response);
        }

        return (Stopwatch.GetElapsedTime(start, pushedAt).TotalMilliseconds, response);
    }

    private static async Task FaultAsync(Action<string> say, int clientsPerNode)
    {
        // A SIGKILL of a Redis with persistence off loses every key (sessions, sign-ins, the Data Protection key ring), so
        // "no acknowledged write lost" could not hold for any client. This Redis appends every write to a file in a temp
        // folder and fsyncs it before it answers (appendfsync always): what Redis acknowledged survives the kill, and
        // the run checks that what Tether acknowledged is among it. Still no RDB snapshots, bound to 127.0.0.1.
        var folder = Directory.CreateTempSubdirectory("tether-redis-fault-");
        try
        {
            using var redis = await RedisProcess.StartAsync("--appendonly", "yes", "--appendfsync", "always", "--dir", folder.FullName);
            using var a = await ServerProcess.StartAsync("redis", redis.EndPoint);
            using var b = await ServerProcess.StartAsync("redis", redis.EndPoint);
            await FaultRunAsync(say, redis, a, b, clientsPerNode);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task FaultRunAsync(Action<string> say, RedisProcess redis, ServerProcess a, ServerProcess b, int clientsPerNode)
    {
        var nodes = new[] { ("A", a), ("B", b) };
        var clients = new List<FaultClient>();
        foreach (var (name, node) in nodes)
        {
            for (var i = 0; i < clientsPerNode; i++)
            {
                clients.Add(await FaultClient.StartAsync(name + i.ToString(CultureInfo.InvariantCulture), name, node));
            }
        }

        // The same cross-node push on this Redis before the fault, for comparison with the one after recovery (this Redis
        // fsyncs every write, which the sign-out's store writes wait for).
        var baseline = new List<double>();
        for (var i = 0; i < 10; i++)
        {
            baseline.Add((await PushOnceAsync(a, b)).Push ?? double.NaN);
        }

        var phase = new Phase();
        using var stop = new CancellationTokenSource();
        var load = clients.Select(c => c.RunAsync(phase, stop.Token)).ToArray();
        var polls = nodes.Select(n => PollPlainAsync(n.Item1, n.Item2, phase, stop.Token)).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(5));
        phase.Down();
        redis.Kill();
        await Task.Delay(TimeSpan.FromSeconds(5));
        phase.Restarting();
        await redis.StartAgainAsync();
        phase.Up();

        // Run on until both nodes served an event again (at most 30 s), then 3 s more.
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30) && nodes.Any(n => !clients.Any(c => c.Node == n.Item1 && c.FirstSuccessAfterUp != 0)))
        {
            await Task.Delay(50);
        }

        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(load);
        var pollResults = await Task.WhenAll(polls);
        var down = Stopwatch.GetElapsedTime(phase.DownAt, phase.UpAt);

        say($"## 4. Faults: Redis killed (SIGKILL) mid-load, started again on the same port after 5 s; {clientsPerNode} hub clients per node, each writing a new session key then reading (`Write`, `Echo`) every 25 ms");
        say(string.Empty);
        say(string.Create(CultureInfo.InvariantCulture,
            $"Redis was unreachable for {down.TotalSeconds:F2} s (kill → the restarted server answers PING; its start took {Stopwatch.GetElapsedTime(phase.RestartingAt, phase.UpAt).TotalMilliseconds:F0} ms)."));
        say(string.Empty);
        say("### Events by phase");
        say(string.Empty);
        say("Phase = the phase when the call started: a call in flight at the kill counts as \"before\"; one started after the restarted Redis answered PING but before the node's multiplexer reconnected counts as \"after\".");
        say(string.Empty);
        say("| node | phase | succeeded | failed |");
        say("|---|---|---:|---:|");
        foreach (var (name, _) in nodes)
        {
            foreach (var p in new[] { "before", "down", "after" })
            {
                var mine = clients.Where(c => c.Node == name).ToArray();
                say($"| {name} | {p} | {mine.Sum(c => c.Succeeded(p))} | {mine.Sum(c => c.Failed(p))} |");
            }
        }

        say(string.Empty);
        say("### Failures by error message (all phases; the client's exception text)");
        say(string.Empty);
        say("| node | call | count | message |");
        say("|---|---|---:|---|");
        foreach (var group in clients.SelectMany(c => c.Errors.Select(e => (c.Node, e.Key.Call, e.Key.Message, Count: e.Value)))
            .GroupBy(e => (e.Node, e.Call, e.Message)).OrderBy(g => g.Key.Node, StringComparer.Ordinal).ThenByDescending(g => g.Sum(e => e.Count)))
        {
            say($"| {group.Key.Node} | {group.Key.Call} | {group.Sum(e => e.Count)} | {group.Key.Message.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        say(string.Empty);
        say("### Connections, the page that needs no store, recovery");
        say(string.Empty);
        say("| node | hub connections closed during the run | `tether:signedout` received during the run | GET /plain while Redis was down: ok / failed | first successful event after Redis answered again |");
        say("|---|---:|---:|---:|---:|");
        for (var n = 0; n < nodes.Length; n++)
        {
            var name = nodes[n].Item1;
            var mine = clients.Where(c => c.Node == name).ToArray();
            var first = mine.Where(c => c.FirstSuccessAfterUp != 0).Select(c => c.FirstSuccessAfterUp).DefaultIfEmpty().Min();
            var recovery = first == 0 ? "none" : string.Create(CultureInfo.InvariantCulture, $"{Stopwatch.GetElapsedTime(phase.UpAt, first).TotalMilliseconds:F0} ms");
            say($"| {name} | {mine.Count(c => c.Closed)} | {mine.Sum(c => c.SignedOutPushes)} | {pollResults[n].Ok} / {pollResults[n].Failed} | {recovery} |");
        }

        // Every write the server acknowledged, read back on the other node through a fresh connection.
        long acknowledged = 0, found = 0, lost = 0, unacknowledgedPresent = 0;
        var presentBy = new Dictionary<string, int>(StringComparer.Ordinal);
        var readBackFailures = new List<string>();
        foreach (var client in clients)
        {
            var other = client.Node == "A" ? b : a;
            try
            {
                var stored = await client.ReadBackAsync(other);
                acknowledged += client.Acknowledged.Count;
                foreach (var (key, value) in client.Acknowledged)
                {
                    if (stored.TryGetValue(key, out var read) && read == value)
                    {
                        found++;
                    }
                    else
                    {
                        lost++;
                    }
                }

                foreach (var key in stored.Keys.Where(k => !client.Acknowledged.ContainsKey(k)))
                {
                    unacknowledgedPresent++;
                    var message = client.FailedWrites.GetValueOrDefault(key, "(no failed call recorded)");
                    presentBy[message] = presentBy.GetValueOrDefault(message) + 1;
                }
            }
            catch (Exception ex) when (ex is HubException or HttpRequestException or InvalidOperationException)
            {
                readBackFailures.Add(client.Name + ": " + ex.Message);
            }
        }

        say(string.Empty);
        say("### Acknowledged session writes, read back after recovery on the other node");
        say(string.Empty);
        say("| acknowledged | read back | lost | in the store but not acknowledged (the call failed) | clients whose read-back failed |");
        say("|---:|---:|---:|---:|---:|");
        say($"| {acknowledged} | {found} | **{lost}** | {unacknowledgedPresent} | {readBackFailures.Count} |");
        foreach (var failure in readBackFailures)
        {
            say("- read-back failed: " + failure);
        }

        foreach (var (message, count) in presentBy)
        {
            say($"- in the store although the `Write` call failed with \"{message}\": {count}");
        }

        // After recovery the bus must have re-subscribed on its own: a sign-out on A still reaches a client on B.
        var after = new List<double>();
        var missed = 0;
        for (var i = 0; i < 10; i++)
        {
            var (push, _) = await PushOnceAsync(a, b);
            if (push is { } ms)
            {
                after.Add(ms);
            }
            else
            {
                missed++;
            }
        }

        say(string.Empty);
        say("### Revocation across nodes on this Redis (sign-out on A → client on B, 10 trials each)");
        say(string.Empty);
        say("| | delivered | not delivered in 10 s | p50 ms | max ms |");
        say("|---|---:|---:|---:|---:|");
        var delivered = baseline.Where(double.IsFinite).ToList();
        say(string.Create(CultureInfo.InvariantCulture,
            $"| before the fault | {delivered.Count} | {baseline.Count - delivered.Count} | {(delivered.Count == 0 ? double.NaN : Percentile(delivered, 0.5)):F2} | {(delivered.Count == 0 ? double.NaN : delivered.Max()):F2} |"));
        say(string.Create(CultureInfo.InvariantCulture,
            $"| after recovery | {after.Count} | {missed} | {(after.Count == 0 ? double.NaN : Percentile(after, 0.5)):F2} | {(after.Count == 0 ? double.NaN : after.Max()):F2} |"));

        say(string.Empty);
        say("### Server log, warnings and errors by category[event id]");
        say(string.Empty);
        say("| node | level | category[event id] | lines |");
        say("|---|---|---|---:|");
        foreach (var (name, node) in nodes)
        {
            foreach (var group in node.Output.Select(LogKey).Where(k => k is not null).GroupBy(k => k!.Value).OrderByDescending(g => g.Count()))
            {
                say($"| {name} | {group.Key.Level} | {group.Key.Source} | {group.Count()} |");
            }
        }

        say(string.Empty);
        say("Tether.Redis's own lines (first of each event id per node):");
        say(string.Empty);
        foreach (var (name, node) in nodes)
        {
            foreach (var line in node.Output.Where(l => l.Contains(" Tether.Redis.", StringComparison.Ordinal)).DistinctBy(l => LogKey(l)))
            {
                say($"- {name}: `{(line.Length > 400 ? line[..400] + "…" : line).Replace("`", "'", StringComparison.Ordinal)}`");
            }
        }

        say(string.Empty);
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    // "12:00:00.000 warn: Tether.Redis.RedisConnection[300] Redis connection ..." → (warn, Tether.Redis.RedisConnection[300])
    private static (string Level, string Source)? LogKey(string line)
    {
        var parts = line.Split(' ', 4);
        return parts.Length >= 3 && parts[1] is "warn:" or "fail:" or "crit:" ? (parts[1].TrimEnd(':'), parts[2]) : null;
    }

    private static async Task<(int Ok, int Failed)> PollPlainAsync(string name, ServerProcess node, Phase phase, CancellationToken stop)
    {
        _ = name;
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        int ok = 0, failed = 0;
        while (!stop.IsCancellationRequested)
        {
            var during = phase.Current == "down";
            try
            {
                var body = await http.GetStringAsync("/plain", CancellationToken.None);
                if (during && body == "ok")
                {
                    ok++;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                if (during)
                {
                    failed++;
                }
            }

            await Task.Delay(50, CancellationToken.None);
        }

        return (ok, failed);
    }

    public static async Task<CookieContainer> SignInAsync(ServerProcess server)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = server.BaseAddress };
        await http.GetStringAsync("/signin");
        return cookies;
    }

    private static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    /// <summary>Where the fault run is: before the kill, while Redis is down (until it answers PING again), after.</summary>
    private sealed class Phase
    {
        private volatile string _current = "before";

        public string Current => _current;

        public long DownAt { get; private set; }

        public long RestartingAt { get; private set; }

        public long UpAt { get; private set; }

        public void Down()
        {
            DownAt = Stopwatch.GetTimestamp();
            _current = "down";
        }

        public void Restarting() => RestartingAt = Stopwatch.GetTimestamp();

        public void Up()
        {
            UpAt = Stopwatch.GetTimestamp();
            _current = "after";
        }
    }

    /// <summary>One hub client of the fault run, with its own sign-in and session, on one node.</summary>
    private sealed class FaultClient : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, int> _succeeded = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _failed = new(StringComparer.Ordinal);
        private readonly CookieContainer _cookies;
        private readonly HubConnection _hub;
        private volatile bool _stopping;
        private long _firstSuccessAfterUp;
        private int _signedOut;

        private FaultClient(string name, string node, CookieContainer cookies, HubConnection hub)
        {
            Name = name;
            Node = node;
            _cookies = cookies;
            _hub = hub;
            _hub.Closed += _ =>
            {
                if (!_stopping)
                {
                    Closed = true;
                }

                return Task.CompletedTask;
            };
            _hub.On(SignedOut, () => Interlocked.Increment(ref _signedOut));
        }

        public string Name { get; }

        public string Node { get; }

        public bool Closed { get; private set; }

        public int SignedOutPushes => Volatile.Read(ref _signedOut);

        public long FirstSuccessAfterUp => Interlocked.Read(ref _firstSuccessAfterUp);

        public Dictionary<string, string> Acknowledged { get; } = new(StringComparer.Ordinal);

        public Dictionary<(string Call, string Message), int> Errors { get; } = [];

        public Dictionary<string, string> FailedWrites { get; } = new(StringComparer.Ordinal);

        public static async Task<FaultClient> StartAsync(string name, string node, ServerProcess server)
        {
            var cookies = await SignInAsync(server);
            var hub = new HubConnectionBuilder().WithUrl(new Uri(server.BaseAddress, "/hubs/bridged"), o => o.Cookies = cookies).Build();
            await hub.StartAsync();
            await hub.InvokeAsync<string>("Echo", "warm");
            return new FaultClient(name, node, cookies, hub);
        }

        public int Succeeded(string phase) => _succeeded.GetValueOrDefault(phase);

        public int Failed(string phase) => _failed.GetValueOrDefault(phase);

        public async Task RunAsync(Phase phase, CancellationToken stop)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var key = "f" + i.ToString(CultureInfo.InvariantCulture);
                var value = Name + ":" + i.ToString(CultureInfo.InvariantCulture);
                if (await CallAsync(phase, "Write", () => _hub.InvokeAsync<string>("Write", key, value)) is not { } failure)
                {
                    Acknowledged[key] = value;
                }
                else
                {
                    FailedWrites[key] = failure;
                }

                _ = await CallAsync(phase, "Echo", () => _hub.InvokeAsync<string>("Echo", "x"));
                await Task.Delay(25, CancellationToken.None);
            }
        }

        public async Task<Dictionary<string, string?>> ReadBackAsync(ServerProcess other)
        {
            await using var hub = new HubConnectionBuilder().WithUrl(new Uri(other.BaseAddress, "/hubs/bridged"), o => o.Cookies = _cookies).Build();
            await hub.StartAsync();
            return await hub.InvokeAsync<Dictionary<string, string?>>("ReadAll", "f");
        }

        public async ValueTask DisposeAsync()
        {
            _stopping = true;
            await _hub.DisposeAsync();
        }

        /// <returns>Null when the call succeeded, else its error message.</returns>
        private async Task<string?> CallAsync(Phase phase, string call, Func<Task<string>> invoke)
        {
            var at = phase.Current;
            try
            {
                var reply = await invoke();
                if (reply != "ok" && !reply.Contains("load@shop.test", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("Unexpected reply: " + reply);
                }

                _succeeded.AddOrUpdate(at, 1, (_, n) => n + 1);
                if (at == "after")
                {
                    Interlocked.CompareExchange(ref _firstSuccessAfterUp, Stopwatch.GetTimestamp(), 0);
                }

                return null;
            }
            catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException or OperationCanceledException)
            {
                _failed.AddOrUpdate(at, 1, (_, n) => n + 1);
                var message = ex is HubException ? ex.Message : ex.GetType().Name + ": " + ex.Message;
                Errors[(call, message)] = Errors.GetValueOrDefault((call, message)) + 1;
                return message;
            }
        }
    }
}
