using System.Runtime.CompilerServices;
using System.Security.Claims;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tether.Components;

namespace Tether.Benchmarks;

/// <summary>
/// One Blazor UI event as a circuit runs it: on the renderer's dispatcher, the inbound activity handlers, then Blazor's
/// own event dispatch (the handler of a button, and the re-render it causes). Unbridged (no Tether), against Tether's
/// circuit handler on a page of tier <c>none</c>, and on a page of tier <c>full</c> (anonymous: session and
/// authentication middleware with no cookies to read, so a floor for <c>full</c>, not its cost with a sign-in).
/// </summary>
[MemoryDiagnoser]
public class CircuitTierBenchmarks
{
    private WebApplication _app = null!;
    private AsyncServiceScope _hotScope;
    private AsyncServiceScope _fullScope;
    private BenchRenderer _renderer = null!;
    private Func<CircuitInboundActivityContext, Task> _dispatch = null!;
    private Func<CircuitInboundActivityContext, Task> _hot = null!;
    private Func<CircuitInboundActivityContext, Task> _full = null!;
    private readonly ComponentHubCallFilter _filter = new();
    private HubInvocationContext _invocation = null!;
    private Func<HubInvocationContext, ValueTask<object?>> _unbridgedCall = null!;
    private Func<HubInvocationContext, ValueTask<object?>> _hotCall = null!;
    private Func<HubInvocationContext, ValueTask<object?>> _fullCall = null!;
    private readonly CircuitInboundActivityContext _context = (CircuitInboundActivityContext)RuntimeHelpers.GetUninitializedObject(typeof(CircuitInboundActivityContext));

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSession();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddAuthorization();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddTether().AddInteractiveServer();
        builder.Services.AddScoped<NavigationManager, BenchNavigation>();
        _app = builder.Build();
        _app.UseSession();
        _app.UseAuthentication();
        _app.UseTether();
        _app.UseAntiforgery();
        _app.MapRazorComponents<BenchRoot>().AddInteractiveServerRenderMode();
        _app.StartAsync().GetAwaiter().GetResult();

        _renderer = new BenchRenderer(_app.Services, _app.Services.GetRequiredService<ILoggerFactory>());
        _renderer.Start();
        _dispatch = _ => _renderer.ClickAsync();

        var handshake = new DefaultHttpContext { TraceIdentifier = "bench" };
        handshake.Request.Scheme = "https";
        handshake.Request.Host = new HostString("shop.example");
        handshake.Request.Path = "/_blazor";
        _invocation = Invocation(handshake);
        (_hotScope, _hot) = Circuit("/hot");
        (_fullScope, _full) = Circuit("/cart");
        _unbridgedCall = Call(_dispatch);
        _hotCall = Call(_hot);
        _fullCall = Call(_full);

        // Each path once, so the circuits cached their page and the first event's work is done.
        Unbridged().GetAwaiter().GetResult();
        TierNone().GetAwaiter().GetResult();
        TierFull().GetAwaiter().GetResult();
        if (_renderer.Clicks != 3)
        {
            throw new InvalidOperationException($"Expected 3 clicks, saw {_renderer.Clicks}.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _hotScope.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _fullScope.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // Each benchmark is one ComponentHub call as SignalR makes it: an async method (SignalR's invocation) that runs the hub
    // filters and the hub method, which has the circuit's renderer dispatch the event. The hub method's work is the same
    // delegate shape on every side; only the filter and the circuit's inbound activity handler differ.

    /// <summary>A circuit without Tether: no hub filter, and the renderer's dispatcher runs Blazor's event dispatch.</summary>
    [Benchmark(Baseline = true)]
    public async Task Unbridged() => await _unbridgedCall(_invocation);

    /// <summary>
    /// The same event with Tether: its <c>ComponentHubCallFilter</c> tags the call (as it does every ComponentHub call),
    /// then the circuit's inbound activity handler runs it on a page of tier <c>none</c>.
    /// </summary>
    [Benchmark]
    public async Task TierNone() => await _filter.InvokeMethodAsync(_invocation, _hotCall);

    /// <summary>
    /// Only the hub filter's part of <see cref="TierNone"/>: the call tagged, then the unbridged circuit's work (no Tether
    /// circuit handler). <see cref="TierNone"/> less this is the circuit handler's part.
    /// </summary>
    [Benchmark]
    public async Task FilterOnly() => await _filter.InvokeMethodAsync(_invocation, _unbridgedCall);

    /// <summary>The same on a page of tier <c>full</c>, anonymous.</summary>
    [Benchmark]
    public async Task TierFull() => await _filter.InvokeMethodAsync(_invocation, _fullCall);

    private async Task Run(Func<CircuitInboundActivityContext, Task> pipeline) => await _filter.InvokeMethodAsync(_invocation, Call(pipeline));

    // The hub method: the circuit's renderer runs the inbound activity pipeline (ComponentHub starts it and returns; here
    // the call awaits it, so one operation is one whole event).
    private Func<HubInvocationContext, ValueTask<object?>> Call(Func<CircuitInboundActivityContext, Task> pipeline)
    {
        Func<Task> work = () => pipeline(_context);
        return async _ =>
        {
            await _renderer.Dispatcher.InvokeAsync(work);
            return null;
        };
    }

    // BeginInvokeDotNetFromJS(callId, assemblyName, methodIdentifier, dotNetObjectId, argsJson), as the web renderer
    // dispatches a click, on Blazor's own ComponentHub type (uninitialized: the filter reads only its type).
    private HubInvocationContext Invocation(HttpContext handshake)
    {
        var hubType = typeof(CircuitHandler).Assembly.GetType(ComponentHubContract.HubTypeName, throwOnError: true)!;
        var hub = (Hub)RuntimeHelpers.GetUninitializedObject(hubType);
        var method = hubType.GetMethod(ComponentHubContract.BeginInvokeDotNetFromJS)
            ?? throw new InvalidOperationException("ComponentHub has no BeginInvokeDotNetFromJS.");
        return new HubInvocationContext(new BenchCaller(handshake), _app.Services, hub, method, ["1", "Microsoft.AspNetCore.Components.Web", "DispatchEventAsync", 0L, "[]"]);
    }

    private sealed class BenchCaller : HubCallerContext
    {
        private readonly FeatureCollection _features = new();

        public BenchCaller(HttpContext connection) => _features.Set<IHttpContextFeature>(new HttpContextFeature(connection));

        public override string ConnectionId => "bench";

        public override string? UserIdentifier => null;

        public override ClaimsPrincipal? User => null;

        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();

        public override IFeatureCollection Features => _features;

        public override CancellationToken ConnectionAborted => CancellationToken.None;

        public override void Abort()
        {
        }

        private sealed class HttpContextFeature(HttpContext context) : IHttpContextFeature
        {
            public HttpContext? HttpContext { get; set; } = context;
        }
    }

    /// <summary>
    /// What Tether keeps per circuit, as this bench drives one: <paramref name="count"/> circuit scopes whose first
    /// event ran unbridged (having resolved Blazor's JS runtime and auth state provider, as every circuit does), against
    /// as many whose first event ran through Tether's circuit handler (tier <c>full</c>, anonymous), the heap measured
    /// after a full collection; bytes per circuit of each.
    /// </summary>
    public static async Task<(double Unbridged, double Bridged)> RetainedPerCircuitAsync(int count)
    {
        var bench = new CircuitTierBenchmarks();
        bench.Setup();
        try
        {
            // A first round of each warms what is allocated once (JIT, caches, pools); the second is measured.
            await OpenAsync(bench, count / 4, bridged: false);
            await OpenAsync(bench, count / 4, bridged: true);
            var unbridged = await OpenAsync(bench, count, bridged: false);
            var bridged = await OpenAsync(bench, count, bridged: true);
            return (unbridged, bridged);
        }
        finally
        {
            bench.Cleanup();
        }

        static async Task<double> OpenAsync(CircuitTierBenchmarks bench, int count, bool bridged)
        {
            var before = Retained.HeapBytes();
            var scopes = new List<AsyncServiceScope>(count);
            for (var i = 0; i < count; i++)
            {
                var scope = bench._app.Services.CreateAsyncScope();
                ((BenchNavigation)scope.ServiceProvider.GetRequiredService<NavigationManager>()).Start("https://shop.example/", "https://shop.example/cart");

                // What a real circuit does anyway, with Tether or without: Blazor's CircuitFactory resolves the JS runtime and
                // sets the auth state provider to the handshake's user (here anonymous), before any event.
                _ = scope.ServiceProvider.GetService<Microsoft.JSInterop.IJSRuntime>();
                if (scope.ServiceProvider.GetService<AuthenticationStateProvider>() is IHostEnvironmentAuthenticationStateProvider auth)
                {
                    auth.SetAuthenticationState(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
                }

                if (bridged)
                {
                    var handler = scope.ServiceProvider.GetServices<CircuitHandler>().OfType<TetherCircuitHandler>().Single();
                    await bench.Run(handler.CreateInboundActivityHandler(bench._dispatch));
                }
                else
                {
                    await bench.Unbridged();
                }

                scopes.Add(scope);
            }

            var bytes = (Retained.HeapBytes() - before) / (double)count;
            foreach (var scope in scopes)
            {
                await scope.DisposeAsync();
            }

            return bytes;
        }
    }

    private (AsyncServiceScope, Func<CircuitInboundActivityContext, Task>) Circuit(string location)
    {
        var scope = _app.Services.CreateAsyncScope();
        ((BenchNavigation)scope.ServiceProvider.GetRequiredService<NavigationManager>()).Start("https://shop.example/", "https://shop.example" + location);
        var handler = scope.ServiceProvider.GetServices<CircuitHandler>().OfType<TetherCircuitHandler>().Single();
        return (scope, handler.CreateInboundActivityHandler(_dispatch));
    }

    private sealed class BenchNavigation : NavigationManager
    {
        public void Start(string baseUri, string uri) => Initialize(baseUri, uri);
    }
}
