using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Tether.Benchmarks.BridgeBenchmarks).Assembly).Run(args);
