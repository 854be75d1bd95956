using BenchmarkDotNet.Running;

if (args is ["--retained", ..])
{
    await Tether.Benchmarks.Retained.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2000);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Tether.Benchmarks.BridgeBenchmarks).Assembly).Run(args);
