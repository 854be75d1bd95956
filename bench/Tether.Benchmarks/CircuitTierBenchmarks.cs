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
using Microsoft.AspNetCore.Routing;
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
    private ComponentHubCall _call = null!;
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
        _call = new ComponentHubCall("BeginInvokeDotNetFromJS", handshake);
        (_hotScope, _hot) = Circuit("/hot");
        (_fullScope, _full) = Circuit("/cart");

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

    /// <summary>A circuit without Tether: the renderer's dispatcher runs Blazor's event dispatch.</summary>
    [Benchmark(Baseline = true)]
    public Task Unbridged() => _renderer.Dispatcher.InvokeAsync(() => _dispatch(_context));

    /// <summary>
    /// The same event through Tether's circuit handler on a page of tier <c>none</c>, with the hub filter's tag of the
    /// ComponentHub call on the flow, as Tether's <c>ComponentHubCallFilter</c> sets it for every call.
    /// </summary>
    [Benchmark]
    public Task TierNone() => Run(_hot);

    /// <summary>The same on a page of tier <c>full</c>, anonymous.</summary>
    [Benchmark]
    public Task TierFull() => Run(_full);

    private Task Run(Func<CircuitInboundActivityContext, Task> pipeline)
    {
        ComponentHubCall.Current = _call;
        try
        {
            return _renderer.Dispatcher.InvokeAsync(() => pipeline(_context));
        }
        finally
        {
            ComponentHubCall.Current = null;
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
