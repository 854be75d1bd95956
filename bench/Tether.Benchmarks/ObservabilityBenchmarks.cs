using System.Diagnostics;
using System.Diagnostics.Metrics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether.Diagnostics;
using Tether.Events;

namespace Tether.Benchmarks;

/// <summary>
/// The full bridge (session and authentication) with Tether's instrumentation compiled out of the path (no
/// <c>TetherMetrics</c> registered), with it in place and nothing listening, and with a <see cref="MeterListener"/> on
/// every Tether instrument and an <see cref="ActivityListener"/> recording every Tether span. Each benchmark runs in a
/// process of its own (BenchmarkDotNet's default), so the listener of the last one never reaches the others.
/// </summary>
[MemoryDiagnoser]
public class ObservabilityBenchmarks
{
    private static readonly EventOrigin s_origin = new("Blazor", "circuit", "CircuitActivity", "DispatchBrowserEvent");
    private BridgeHost _host = null!;
    private MeterListener? _meters;
    private ActivityListener? _activities;
    private double _sum;

    [GlobalSetup(Targets = [nameof(InstrumentationOff)])]
    public void SetupOff()
        => _host = BridgeHost.StartAsync(true, true, TimeSpan.FromMinutes(1), services: s => s.RemoveAll<TetherMetrics>()).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(NoListener)])]
    public void SetupNoListener() => _host = BridgeHost.StartAsync(true, true, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();

    [GlobalSetup(Targets = [nameof(ListenersAttached)])]
    public void SetupListeners()
    {
        _host = BridgeHost.StartAsync(true, true, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        _meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TetherDiagnostics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meters.SetMeasurementEventCallback<double>((_, value, _, _) => _sum += value);
        _meters.SetMeasurementEventCallback<long>((_, value, _, _) => _sum += value);
        _meters.Start();
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == TetherDiagnostics.ActivitySourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_activities);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _meters?.Dispose();
        _activities?.Dispose();
        _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>No <c>TetherMetrics</c> in the container: the bridge takes the unobserved path without even the check.</summary>
    [Benchmark(Baseline = true)]
    public Task InstrumentationOff() => Run();

    /// <summary>Instruments and source in place, nobody listening: what every app pays by default.</summary>
    [Benchmark]
    public Task NoListener() => Run();

    /// <summary>Every Tether instrument and span recorded (no exporter: Tether's own cost only).</summary>
    [Benchmark]
    public Task ListenersAttached() => Run();

    private Task<EventOutcome> Run() => _host.Bridge.RunAsync(s_origin, _host.Request, _host.Connection, BridgeHost.Handler, null, CancellationToken.None);
}
