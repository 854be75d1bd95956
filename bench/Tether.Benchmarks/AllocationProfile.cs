using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace Tether.Benchmarks;

/// <summary>
/// What one bridged event allocates, by type: <c>--alloc N full|revocable</c> runs N events of <see cref="BridgeBenchmarks"/>'
/// full bridge and samples the runtime's allocation ticks (one about every 100 KB) with an <see cref="EventListener"/>. The
/// total per event is exact (<see cref="GC.GetTotalAllocatedBytes"/>); the split by type is a sample, so small types are rough.
/// </summary>
internal static class AllocationProfile
{
    public static async Task RunAsync(int events, string which)
    {
        if (which is "unbridged" or "none")
        {
            await CircuitAsync(events, which);
            return;
        }

        var host = await BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.FromMinutes(1), revocable: which == "revocable");
        for (var i = 0; i < 2000; i++)
        {
            await host.Bridge.RunAsync(host.Request, host.Connection, BridgeHost.Handler);
        }

        using var listener = new Listener();
        var before = GC.GetTotalAllocatedBytes(true);
        for (var i = 0; i < events; i++)
        {
            await host.Bridge.RunAsync(host.Request, host.Connection, BridgeHost.Handler);
        }

        var total = GC.GetTotalAllocatedBytes(true) - before;
        listener.Dispose();
        Report(listener, total, events);
        await host.DisposeAsync();
    }

    // One circuit event as CircuitTierBenchmarks runs it: unbridged, or through the hub filter and a page of tier none.
    private static async Task CircuitAsync(int events, string which)
    {
        var bench = new CircuitTierBenchmarks();
        bench.Setup();
        Func<Task> run = which == "none" ? bench.TierNone : bench.Unbridged;
        for (var i = 0; i < 20000; i++)
        {
            await run();
        }

        using var listener = new Listener();
        var before = GC.GetTotalAllocatedBytes(true);
        for (var i = 0; i < events; i++)
        {
            await run();
        }

        var total = GC.GetTotalAllocatedBytes(true) - before;
        listener.Dispose();
        Report(listener, total, events);
        bench.Cleanup();
    }

    private static void Report(Listener listener, long total, int events)
    {
        Console.WriteLine($"allocated per event: {total / (double)events:F0} B");
        var sum = listener.Bytes.Values.Sum();
        foreach (var (type, bytes) in listener.Bytes.OrderByDescending(p => p.Value).Take(60))
        {
            Console.WriteLine($"{bytes / (double)sum * total / events,8:F0} B  {type}");
        }
    }

    private sealed class Listener : EventListener
    {
        public ConcurrentDictionary<string, long> Bytes { get; } = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.Payload is { } p)
            {
                var name = (string?)p[e.PayloadNames!.IndexOf("TypeName")] ?? "?";
                var amount = Convert.ToInt64(p[e.PayloadNames!.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
                Bytes.AddOrUpdate(name, amount, (_, v) => v + amount);
            }
        }
    }
}
