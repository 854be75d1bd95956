using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.Benchmarks;

/// <summary>
/// The bridge per event with the <see cref="IHttpContextAccessor"/> binding on (Tether's decorated accessor, the default)
/// and off (the framework's <c>HttpContextAccessor</c> registered over it, as before issue 18), side by side. Each
/// handler reads the accessor once, as <c>SignInManager</c> does. The pair without middleware isolates the binding; the
/// pair with session and authentication has the unprotect cache off, so that Tether's own reads of the accessor (the
/// store cache's) do the same work in both.
/// </summary>
[MemoryDiagnoser]
public class AccessorBenchmarks
{
    private BridgeHost _floorOn = null!;
    private BridgeHost _floorOff = null!;
    private BridgeHost _fullOn = null!;
    private BridgeHost _fullOff = null!;
    private Func<HttpContext, Task> _floorOnHandler = null!;
    private Func<HttpContext, Task> _floorOffHandler = null!;
    private Func<HttpContext, Task> _fullOnHandler = null!;
    private Func<HttpContext, Task> _fullOffHandler = null!;

    [GlobalSetup]
    public void Setup()
    {
        static void Off(IServiceCollection services) => services.AddSingleton<IHttpContextAccessor, HttpContextAccessor>();
        _floorOn = BridgeHost.StartAsync(session: false, authentication: false, TimeSpan.Zero).GetAwaiter().GetResult();
        _floorOff = BridgeHost.StartAsync(session: false, authentication: false, TimeSpan.Zero, services: Off).GetAwaiter().GetResult();
        _fullOn = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.Zero).GetAwaiter().GetResult();
        _fullOff = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.Zero, services: Off).GetAwaiter().GetResult();
        _floorOnHandler = HandlerReading(_floorOn, expectEvent: true);
        _floorOffHandler = HandlerReading(_floorOff, expectEvent: false);
        _fullOnHandler = HandlerReading(_fullOn, expectEvent: true);
        _fullOffHandler = HandlerReading(_fullOff, expectEvent: false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var host in new[] { _floorOn, _floorOff, _fullOn, _fullOff })
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true)]
    public Task NoMiddlewareAccessorOff() => _floorOff.Bridge.RunAsync(_floorOff.Request, _floorOff.Connection, _floorOffHandler);

    [Benchmark]
    public Task NoMiddlewareAccessorOn() => _floorOn.Bridge.RunAsync(_floorOn.Request, _floorOn.Connection, _floorOnHandler);

    [Benchmark]
    public Task FullBridgeUncachedAccessorOff() => _fullOff.Bridge.RunAsync(_fullOff.Request, _fullOff.Connection, _fullOffHandler);

    [Benchmark]
    public Task FullBridgeUncachedAccessorOn() => _fullOn.Bridge.RunAsync(_fullOn.Request, _fullOn.Connection, _fullOnHandler);

    // Checked once at set-up: on, the accessor is the event's context; off, the framework's accessor has none here.
    private static Func<HttpContext, Task> HandlerReading(BridgeHost host, bool expectEvent)
    {
        var accessor = host.App.Services.GetRequiredService<IHttpContextAccessor>();
        var seen = false;
        host.Bridge.RunAsync(host.Request, host.Connection, context =>
        {
            seen = ReferenceEquals(accessor.HttpContext, context);
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
        if (seen != expectEvent)
        {
            throw new InvalidOperationException($"The accessor binding is not {(expectEvent ? "on" : "off")} in this host.");
        }

        return context =>
        {
            _ = accessor.HttpContext;
            return BridgeHost.Handler(context);
        };
    }
}
