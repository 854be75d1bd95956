using System.Globalization;
using Microsoft.Playwright;

namespace Tether.LoadTest;

/// <summary>
/// <c>--tier-clicks N</c>: a Blazor click as the server runs the whole of it (the ComponentHub call, the event, the
/// render batch sent back), in Chromium, on three servers side by side: the plain server, where no Tether circuit
/// handler runs (unbridged), a page of tier <c>none</c> on the bridged server, and the bridged server's tier
/// <c>full</c> page for reference. Batches of clicks alternate between them; each server's CPU time is read around its
/// own batches, so CPU per click is that server's alone.
/// </summary>
internal static class TierClicks
{
    private const int Batch = 50;

    // Clicks in the page, each awaited until the DOM shows its count; returns when the last one rendered.
    private const string Script = """
        async n => {
            const button = document.getElementById('click');
            const count = document.getElementById('count');
            for (let i = 0; i < n; i++) {
                const expected = String(Number(count.textContent) + 1);
                const done = new Promise(resolve => {
                    const observer = new MutationObserver(() => {
                        if (count.textContent === expected) { observer.disconnect(); resolve(); }
                    });
                    observer.observe(count, { childList: true, characterData: true, subtree: true });
                });
                button.click();
                await done;
            }
        }
        """;

    public static async Task RunAsync(Action<string> say, int clicks)
    {
        using var plain = await ServerProcess.StartAsync("plain");
        using var bridged = await ServerProcess.StartAsync("bridged");
        var sides = new (string Name, ServerProcess Server, string Path)[]
        {
            ("unbridged (no Tether circuit handler)", plain, "/none"),
            ("Tether, page of tier `none`", bridged, "/none"),
            ("Tether, page of tier `full` (signed in)", bridged, "/"),
        };

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

        var pages = new List<IPage>();
        foreach (var (_, server, path) in sides)
        {
            var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = server.BaseAddress.ToString() });
            var page = await context.NewPageAsync();
            await page.GotoAsync("/signin");
            await page.GotoAsync(path);
            await page.Locator("#live").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
            await page.EvaluateAsync(Script, 200);
            pages.Add(page);
        }

        // The warm-up's clicks leave the JIT compiling the hot methods again at tier 1, on a background thread, for seconds
        // (more of them in the bridged server, which runs more code): measuring before that settles would count the
        // compilation as the clicks' cost. Warm up, then wait until a second passes in which neither server runs 20 ms.
        var settled = TimeSpan.Zero;
        for (var round = 0; round < 30; round++)
        {
            foreach (var page in pages)
            {
                await page.EvaluateAsync(Script, 200);
            }

            var idle = (plain.ThreadCpu, bridged.ThreadCpu);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var (a, b) = (plain.ThreadCpu - idle.Item1, bridged.ThreadCpu - idle.Item2);
            if (a < TimeSpan.FromMilliseconds(20) && b < TimeSpan.FromMilliseconds(20))
            {
                say(string.Create(CultureInfo.InvariantCulture, $"Settled after {round + 1} warm-up rounds of 200 clicks per side: idle CPU over 1 s {a.TotalMilliseconds:F1} ms (unbridged server), {b.TotalMilliseconds:F1} ms (bridged server)."));
                say(string.Empty);
                settled = a + b;
                break;
            }
        }

        if (settled == TimeSpan.Zero)
        {
            throw new InvalidOperationException("The servers' CPU did not settle after the warm-up.");
        }

        var cpu = new TimeSpan[sides.Length];
        var wall = new TimeSpan[sides.Length];
        for (var done = 0; done < clicks; done += Batch)
        {
            for (var i = 0; i < sides.Length; i++)
            {
                var before = sides[i].Server.ThreadCpu;
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await pages[i].EvaluateAsync(Script, Batch);
                wall[i] += System.Diagnostics.Stopwatch.GetElapsedTime(start);
                cpu[i] += sides[i].Server.ThreadCpu - before;
            }
        }

        var count = (clicks + Batch - 1) / Batch * Batch;
        say($"## Blazor clicks in Chromium, whole events: {count} clicks per side, batches of {Batch} alternating");
        say(string.Empty);
        say("| side | server CPU µs/click | **÷ unbridged** | click to render, ms (mean) |");
        say("|---|---:|---:|---:|");
        for (var i = 0; i < sides.Length; i++)
        {
            var perClick = cpu[i].TotalMicroseconds / count;
            say(string.Create(CultureInfo.InvariantCulture,
                $"| {sides[i].Name} | {perClick:F1} | **{perClick / (cpu[0].TotalMicroseconds / count):F2}×** | {wall[i].TotalMilliseconds / count:F3} |"));
        }

        say(string.Empty);
        say("Server CPU is the time the server process's threads ran (`/proc/<pid>/task/*/schedstat`) over its own batches (the other sides' batches excluded), so it includes Kestrel, SignalR and the render batch's send, and the process's idle background (measured above).");
    }
}
