namespace Tether.Benchmarks;

/// <summary>
/// What Tether keeps in memory per open circuit and per open hub connection (issue 20): not a BenchmarkDotNet job, a
/// heap measurement after full collections.
/// <c>dotnet run -c Release --project bench/Tether.Benchmarks -- --retained [count]</c>
/// </summary>
internal static class Retained
{
    public static long HeapBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }

    public static async Task RunAsync(int count)
    {
        var (plain, bridged) = await HubInvocationBenchmarks.RetainedPerConnectionAsync(count);
        var (unbridged, circuit) = await CircuitTierBenchmarks.RetainedPerCircuitAsync(count);
        Console.WriteLine($"| what ({count} each) | without Tether, B each | with Tether, B each | Tether's own, B each |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| hub connection (after one call) | {plain:F0} | {bridged:F0} | **{bridged - plain:F0}** |");
        Console.WriteLine($"| circuit scope (after one event) | {unbridged:F0} | {circuit:F0} | **{circuit - unbridged:F0}** |");
    }
}
