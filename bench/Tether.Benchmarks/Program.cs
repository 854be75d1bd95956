using BenchmarkDotNet.Running;

if (args is ["--retained", ..])
{
    await Tether.Benchmarks.Retained.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000);
    return;
}

if (args is ["--alloc", ..])
{
    await Tether.Benchmarks.AllocationProfile.RunAsync(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Tether.Benchmarks.BridgeBenchmarks).Assembly).Run(args);
