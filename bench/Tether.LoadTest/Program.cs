using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Playwright;
using Tether.LoadTest;

// Usage: dotnet run -c Release --project bench/Tether.LoadTest [-- --seconds 5 --out bench/results/load.md]
// (dotnet run starts the program in the project folder: give --out an absolute path, e.g. "$PWD/bench/results/load.md")
if (args is ["serve", var mode])
{
    await Server.RunAsync(mode);
    return;
}

if (args is ["serve", var redisMode, var redisEndPoint])
{
    await RedisServer.RunAsync(redisMode, redisEndPoint);
    return;
}

// Revocable sign-in: its cost on hub calls, and how fast a sign-out reaches an open circuit.
//   dotnet run -c Release --project bench/Tether.LoadTest -- --revocation [--seconds 5] [--out bench/results/revocation.md]
var revocationOnly = args.Contains("--revocation");

var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(int.Parse).FirstOrDefault(5);
var output = args.SkipWhile(a => a != "--out").Skip(1).FirstOrDefault();
var duration = TimeSpan.FromSeconds(seconds);
var report = new StringBuilder();
void Say(string line)
{
    Console.WriteLine(line);
    report.AppendLine(line);
}

Say($"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}; {seconds} s per run, runs interleaved plain/bridged.");
Say(string.Empty);

// Scaled out on one Redis (its own redis-server): hub throughput, Redis commands per event, push latency across two
// nodes, and Redis stopped mid-load.
//   dotnet run -c Release --project bench/Tether.LoadTest -- --redis [--seconds 5] [--out bench/results/redis.md]
// Blazor clicks on a page of tier none against an unbridged server, whole events in Chromium, server CPU per click.
//   dotnet run -c Release --project bench/Tether.LoadTest -- --tier-clicks 3000 [--out bench/results/tier-clicks.md]
if (args.SkipWhile(a => a != "--tier-clicks").Skip(1).FirstOrDefault() is { } tierClicks)
{
    await TierClicks.RunAsync(Say, int.Parse(tierClicks, CultureInfo.InvariantCulture));
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, report.ToString());
    }

    return;
}

// Profiling aid: --redis-hub-only bridged|plain runs one node on its own redis-server, 50 connections, for --seconds,
// after printing the node's process id (to attach dotnet-trace to), then its calls/s and CPU per call.
if (args.SkipWhile(a => a != "--redis-hub-only").Skip(1).FirstOrDefault() is { } redisOnly)
{
    using var redis = await RedisProcess.StartAsync();
    using var node = await ServerProcess.StartAsync(redisOnly == "plain" ? "redis-plain" : "redis", redis.EndPoint);
    var nodeCookies = await RedisBench.SignInAsync(node);
    await HubRunAsync(node, nodeCookies, redisOnly, 50, TimeSpan.FromSeconds(2));
    Console.WriteLine("SERVER PID " + node.ProcessId + " REDIS " + redis.EndPoint);
    var run = await HubRunAsync(node, nodeCookies, redisOnly, 50, duration);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{redisOnly}: {run.CallsPerSecond:F0} calls/s, {run.CpuMicrosecondsPerCall:F1} µs CPU/call"));
    return;
}

if (args.Contains("--redis"))
{
    await RedisBench.RunAsync(Say, duration, HubRunAsync);
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, report.ToString());
    }

    return;
}

// Session-writing hub calls on Redis: the merged commit against the whole-session commit it replaced, side by side.
//   dotnet run -c Release --project bench/Tether.LoadTest -- --redis-write [--seconds 5] [--out bench/results/redis-write.md]
if (args.Contains("--redis-write"))
{
    await RedisWriteBench.RunAsync(Say, duration);
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, report.ToString());
    }

    return;
}

if (revocationOnly)
{
    await RevocationAsync();
    if (output is not null)
    {
        await File.WriteAllTextAsync(output, report.ToString());
    }

    return;
}

using var server = await ServerProcess.StartAsync("bridged");
var cookies = new CookieContainer();
using (var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = server.BaseAddress })
{
    await http.GetStringAsync("/signin");
}

// Profiling aid: --hub-only bridged|plain runs that hub alone, 50 connections, for --seconds, and prints the server's id.
if (args.SkipWhile(a => a != "--hub-only").Skip(1).FirstOrDefault() is { } only)
{
    Console.WriteLine("SERVER PID " + server.ProcessId);
    var run = await HubRunAsync(server, cookies, only, 50, duration);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{only}: {run.CallsPerSecond:F0} calls/s, {run.CpuMicrosecondsPerCall:F1} µs CPU/call"));
    return;
}

var hubRows = new List<(Measurement Plain, Measurement Bridged)>();
foreach (var connections in new[] { 1, 50, 200 })
{
    // Two rounds, alternating, so drift on a noisy machine hits both sides alike; the better round of each is kept.
    var plain = new List<Measurement>();
    var bridged = new List<Measurement>();
    for (var round = 0; round < 2; round++)
    {
        plain.Add(await HubRunAsync(server, cookies, "plain", connections, duration));
        bridged.Add(await HubRunAsync(server, cookies, "bridged", connections, duration));
    }

    hubRows.Add((plain.MaxBy(m => m.CallsPerSecond)!, bridged.MaxBy(m => m.CallsPerSecond)!));
}

Say("## Hub calls: plain hub vs the same method bridged by Tether");
Say(string.Empty);
Say("| connections | plain calls/s | bridged calls/s | throughput ratio | plain p50 / p99 ms | bridged p50 / p99 ms | p99 ratio | plain CPU µs/call | bridged CPU µs/call |");
Say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
foreach (var (p, b) in hubRows)
{
    Say(string.Create(CultureInfo.InvariantCulture,
        $"| {p.Connections} | {p.CallsPerSecond:F0} | {b.CallsPerSecond:F0} | {b.CallsPerSecond / p.CallsPerSecond:F2}× | {p.P50:F2} / {p.P99:F2} | {b.P50:F2} / {b.P99:F2} | {b.P99 / p.P99:F2}× | {p.CpuMicrosecondsPerCall:F1} | {b.CpuMicrosecondsPerCall:F1} |"));
}

var httpRun = await HttpRunAsync(server, cookies, 50, duration);
var bridged50 = hubRows[1].Bridged;
Say(string.Empty);
Say("## The same work as an HTTP GET through Kestrel (session + authentication middleware), 50 concurrent clients");
Say(string.Empty);
Say("| | calls/s | p50 / p99 ms | server CPU µs/call |");
Say("|---|---:|---:|---:|");
Say(string.Create(CultureInfo.InvariantCulture, $"| HTTP GET /echo | {httpRun.CallsPerSecond:F0} | {httpRun.P50:F2} / {httpRun.P99:F2} | {httpRun.CpuMicrosecondsPerCall:F1} |"));
Say(string.Create(CultureInfo.InvariantCulture, $"| bridged hub call | {bridged50.CallsPerSecond:F0} | {bridged50.P50:F2} / {bridged50.P99:F2} | {bridged50.CpuMicrosecondsPerCall:F1} |"));
Say(string.Create(CultureInfo.InvariantCulture, $"| ratio bridged / HTTP (CPU per call) | | | {bridged50.CpuMicrosecondsPerCall / httpRun.CpuMicrosecondsPerCall:F2}× |"));

if (File.Exists("/usr/bin/chromium"))
{
    using var plainBlazor = await ServerProcess.StartAsync("plain");
    var (plainClicks, bridgedClicks) = await BlazorClicksAsync(plainBlazor, server, clicks: 200);
    Say(string.Empty);
    Say("## Blazor click-to-render in Chromium, 200 clicks, with and without the bridge");
    Say(string.Empty);
    Say("| | mean ms | p50 ms | p99 ms |");
    Say("|---|---:|---:|---:|");
    Say(string.Create(CultureInfo.InvariantCulture, $"| without Tether | {plainClicks.Average():F2} | {Percentile(plainClicks, 0.5):F2} | {Percentile(plainClicks, 0.99):F2} |"));
    Say(string.Create(CultureInfo.InvariantCulture, $"| with Tether | {bridgedClicks.Average():F2} | {Percentile(bridgedClicks, 0.5):F2} | {Percentile(bridgedClicks, 0.99):F2} |"));
    Say(string.Create(CultureInfo.InvariantCulture, $"| ratio | {bridgedClicks.Average() / plainClicks.Average():F2}× | {Percentile(bridgedClicks, 0.5) / Percentile(plainClicks, 0.5):F2}× | |"));
}

if (output is not null)
{
    await File.WriteAllTextAsync(output, report.ToString());
}

async Task RevocationAsync()
{
    using var off = await ServerProcess.StartAsync("bridged");
    using var on = await ServerProcess.StartAsync("revocable");
    var offCookies = await SignInAsync(off);
    var onCookies = await SignInAsync(on);

    Say("## Hub calls with revocable sign-in off and on (each side on its own server process, rounds alternating)");
    Say(string.Empty);
    Say("| connections | plain calls/s | bridged, revocation off | bridged, revocation on | on / off | on / plain | off p99 ms | on p99 ms | off CPU µs/call | on CPU µs/call |");
    Say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var connections in new[] { 50, 200 })
    {
        var plain = new List<Measurement>();
        var bridgedOff = new List<Measurement>();
        var bridgedOn = new List<Measurement>();
        for (var round = 0; round < 2; round++)
        {
            plain.Add(await HubRunAsync(off, offCookies, "plain", connections, duration));
            bridgedOff.Add(await HubRunAsync(off, offCookies, "bridged", connections, duration));
            bridgedOn.Add(await HubRunAsync(on, onCookies, "bridged", connections, duration));
        }

        var (p, a, b) = (plain.MaxBy(m => m.CallsPerSecond)!, bridgedOff.MaxBy(m => m.CallsPerSecond)!, bridgedOn.MaxBy(m => m.CallsPerSecond)!);
        Say(string.Create(CultureInfo.InvariantCulture,
            $"| {connections} | {p.CallsPerSecond:F0} | {a.CallsPerSecond:F0} ({a.CallsPerSecond / p.CallsPerSecond:F2}×) | {b.CallsPerSecond:F0} | {b.CallsPerSecond / a.CallsPerSecond:F2}× | {b.CallsPerSecond / p.CallsPerSecond:F2}× | {a.P99:F2} | {b.P99:F2} | {a.CpuMicrosecondsPerCall:F1} | {b.CpuMicrosecondsPerCall:F1} |"));
    }

    if (File.Exists("/usr/bin/chromium"))
    {
        var latencies = await PushLatencyAsync(on, trials: 100);
        Say(string.Empty);
        Say("## Push latency: from the sign-out request to the open circuit's AuthorizeView showing \"signed out\", no click, 100 trials");
        Say(string.Empty);
        Say("| p50 ms | p99 ms | max ms |");
        Say("|---:|---:|---:|");
        Say(string.Create(CultureInfo.InvariantCulture, $"| {Percentile(latencies, 0.5):F1} | {Percentile(latencies, 0.99):F1} | {latencies.Max():F1} |"));

        var handoffs = await HandoffRoundTripAsync(on, trials: 100);
        Say(string.Empty);
        Say("## Cookie handoff round trip: from the click whose event sets the session cookie to the redemption's response in the browser, 100 trials");
        Say(string.Empty);
        Say("| p50 ms | p99 ms | max ms |");
        Say("|---:|---:|---:|");
        Say(string.Create(CultureInfo.InvariantCulture, $"| {Percentile(handoffs, 0.5):F1} | {Percentile(handoffs, 0.99):F1} | {handoffs.Max():F1} |"));
    }
}

static async Task<List<double>> HandoffRoundTripAsync(ServerProcess server, int trials)
{
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    // Timed in the page: the clock starts at the click and stops when the redemption POST that sets the cookie answered.
    const string Script = """
        async () => {
            const original = window.fetch;
            const start = performance.now();
            const redeemed = new Promise((resolve, reject) => {
                window.fetch = function (url) {
                    const result = original.apply(this, arguments);
                    if (String(url).includes('/_tether/cookies')) {
                        result.then(response => response.ok ? resolve(performance.now() - start) : reject(new Error('refused ' + response.status)), reject);
                    }
                    return result;
                };
            });
            document.getElementById('set').click();
            try { return await redeemed; } finally { window.fetch = original; }
        }
        """;
    var results = new List<double>(trials);
    for (var trial = 0; trial < trials + 5; trial++)
    {
        // A browser with no session yet, so the click's event is the one that creates it.
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/handoff");
        await page.Locator("#live").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var elapsed = await page.EvaluateAsync<double>(Script);
        if ((await context.CookiesAsync()).All(c => c.Name != ".AspNetCore.Session"))
        {
            throw new InvalidOperationException("The redemption answered, but the browser holds no session cookie.");
        }

        if (trial >= 5)
        {
            results.Add(elapsed);
        }
    }

    return results;
}

static async Task<CookieContainer> SignInAsync(ServerProcess server)
{
    var cookies = new CookieContainer();
    using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = server.BaseAddress };
    await http.GetStringAsync("/signin");
    return cookies;
}

static async Task<List<double>> PushLatencyAsync(ServerProcess server, int trials)
{
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString() });
    var page = await context.NewPageAsync();

    // Timed in the page: the sign-out is a request of its own (as from another tab); the clock stops when the circuit's
    // AuthorizeView shows the sign-out, which only the server's push can cause.
    const string Script = """
        async () => {
            const signedOut = () => document.getElementById('auth')?.textContent === 'signed out';
            const done = new Promise(resolve => {
                const observer = new MutationObserver(() => { if (signedOut()) { observer.disconnect(); resolve(); } });
                observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            });
            const start = performance.now();
            await fetch('/signout', { credentials: 'same-origin' });
            await done;
            return performance.now() - start;
        }
        """;
    var results = new List<double>(trials);
    for (var trial = 0; trial < trials + 5; trial++)
    {
        await page.GotoAsync("/signin");
        await page.GotoAsync("/auth");
        await page.Locator("#live").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.Locator("#auth", new PageLocatorOptions { HasText = "load@shop.test" }).WaitForAsync();
        var elapsed = await page.EvaluateAsync<double>(Script);
        if (trial >= 5)
        {
            results.Add(elapsed);
        }
    }

    return results;
}

static double Percentile(IReadOnlyList<double> values, double p)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

static async Task<Measurement> HubRunAsync(ServerProcess server, CookieContainer cookies, string hub, int connectionCount, TimeSpan duration)
{
    var url = new Uri(server.BaseAddress, $"/hubs/{hub}");
    var connections = new List<HubConnection>();
    for (var i = 0; i < connectionCount; i++)
    {
        var connection = new HubConnectionBuilder().WithUrl(url, o => o.Cookies = cookies).Build();
        await connection.StartAsync();
        connections.Add(connection);
    }

    try
    {
        // Warm-up: JIT, the unprotect caches, connection buffers.
        await Task.WhenAll(connections.Select(async c =>
        {
            for (var i = 0; i < 20; i++)
            {
                await c.InvokeAsync<string>("Echo", "warm");
            }
        }));

        var latencies = new List<double>[connectionCount];
        var cpuBefore = server.Cpu;
        var clock = Stopwatch.StartNew();
        var deadline = duration;
        await Task.WhenAll(connections.Select(async (c, index) =>
        {
            var own = latencies[index] = new List<double>(4096);
            while (clock.Elapsed < deadline)
            {
                var start = Stopwatch.GetTimestamp();
                var reply = await c.InvokeAsync<string>("Echo", "x");
                own.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                if (!reply.Contains("load@shop.test", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("Unexpected reply: " + reply);
                }
            }
        }));
        var elapsed = clock.Elapsed;
        var cpu = server.Cpu - cpuBefore;
        var all = latencies.SelectMany(l => l).ToArray();
        return new Measurement(hub, connectionCount, all.Length, elapsed, cpu, all);
    }
    finally
    {
        await Task.WhenAll(connections.Select(c => c.DisposeAsync().AsTask()));
    }
}

static async Task<Measurement> HttpRunAsync(ServerProcess server, CookieContainer cookies, int concurrency, TimeSpan duration)
{
    using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, MaxConnectionsPerServer = concurrency }) { BaseAddress = server.BaseAddress };
    for (var i = 0; i < 200; i++)
    {
        await http.GetStringAsync("/echo?value=warm");
    }

    var latencies = new List<double>[concurrency];
    var cpuBefore = server.Cpu;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async index =>
    {
        var own = latencies[index] = new List<double>(4096);
        while (clock.Elapsed < duration)
        {
            var start = Stopwatch.GetTimestamp();
            var reply = await http.GetStringAsync("/echo?value=x");
            own.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!reply.Contains("load@shop.test", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("Unexpected reply: " + reply);
            }
        }
    }));
    var elapsed = clock.Elapsed;
    var all = latencies.SelectMany(l => l).ToArray();
    return new Measurement("http", concurrency, all.Length, elapsed, server.Cpu - cpuBefore, all);
}

static async Task<(List<double> Plain, List<double> Bridged)> BlazorClicksAsync(ServerProcess plain, ServerProcess bridged, int clicks)
{
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    var pages = new List<IPage>();
    foreach (var server in new[] { plain, bridged })
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/signin");
        await page.GotoAsync("/");
        await page.Locator("#live").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        pages.Add(page);
    }

    // Each click is timed in the page, from the click to the DOM showing its count; batches alternate between servers.
    const string Script = """
        async n => {
            const button = document.getElementById('click');
            const count = document.getElementById('count');
            const times = [];
            for (let i = 0; i < n; i++) {
                const expected = String(Number(count.textContent) + 1);
                const start = performance.now();
                const done = new Promise(resolve => {
                    const observer = new MutationObserver(() => {
                        if (count.textContent === expected) { observer.disconnect(); resolve(); }
                    });
                    observer.observe(count, { childList: true, characterData: true, subtree: true });
                });
                button.click();
                await done;
                times.push(performance.now() - start);
            }
            return times;
        }
        """;
    var results = new[] { new List<double>(), new List<double>() };
    await pages[0].EvaluateAsync<double[]>(Script, 20);
    await pages[1].EvaluateAsync<double[]>(Script, 20);
    for (var batch = 0; batch < clicks / 20; batch++)
    {
        for (var i = 0; i < 2; i++)
        {
            results[i].AddRange(await pages[i].EvaluateAsync<double[]>(Script, 20));
        }
    }

    var user = await pages[1].Locator("#user").TextContentAsync();
    if (user != "load@shop.test")
    {
        throw new InvalidOperationException("The bridged click did not see the signed-in user: " + user);
    }

    return (results[0], results[1]);
}
