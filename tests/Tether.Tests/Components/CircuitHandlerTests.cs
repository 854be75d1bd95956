using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.JSInterop;
using Tether.Components;
using Tether.Tests.Authentication;

namespace Tether.Tests.Components;

/// <summary>
/// Tether's circuit handler, driven the way Blazor drives it: one DI scope per circuit, the handler's inbound activity
/// pipeline invoked for each hub call, with the ComponentHub call's handshake request on the async flow. Real cookies
/// from a real sign-in over Kestrel; no browser.
/// </summary>
public sealed class CircuitHandlerTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await RevocableSignInTests.StartAsync(
        services: services => services.AddTestCircuits(),
        events: AppEventMiddleware.Guard("/members"));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task After_a_sign_out_over_http_no_event_of_an_open_circuit_runs_as_the_old_user_in_1000_trials()
    {
        var before = 0;
        var after = 0;
        for (var trial = 0; trial < 1000; trial++)
        {
            using var browser = _app.NewBrowser();
            await browser.GetAsync("/signin?name=c" + trial);
            await using var circuit = Circuit.Open(_app, browser.CookieHeader);
            before += await circuit.ClickAsync() is { Identity.IsAuthenticated: true } ? 1 : 0;

            await browser.GetAsync("/signout");

            after += await circuit.ClickAsync() is { Identity.IsAuthenticated: true } ? 1 : 0;
        }

        Assert.Equal(1000, before);
        Assert.Equal(0, after);
    }

    [Fact]
    public async Task A_sign_out_flips_the_circuits_auth_state_and_app_state_with_no_click()
    {
        using var browser = await _app.SignedInBrowserAsync("mia");
        await using var circuit = Circuit.Open(_app, browser.CookieHeader);
        await circuit.ClickAsync();
        Assert.Equal("mia", (await circuit.AuthState.GetAuthenticationStateAsync()).User.Identity?.Name);
        Assert.Equal("mia", circuit.State.UserName);
        var flipped = new TaskCompletionSource<ClaimsPrincipal>(TaskCreationOptions.RunContinuationsAsynchronously);
        circuit.AuthState.AuthenticationStateChanged += async task => flipped.TrySetResult((await task).User);

        await browser.GetAsync("/signout");

        var user = await flipped.Task.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.False(user.Identity?.IsAuthenticated);
        Assert.False(circuit.State.IsAuthenticated);
        Assert.Equal(1, circuit.Clicks);
    }

    [Fact]
    public async Task Blazors_auth_state_follows_a_sign_in_seen_after_a_reconnect()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null);
        await circuit.ClickAsync();
        Assert.False((await circuit.AuthState.GetAuthenticationStateAsync()).User.Identity?.IsAuthenticated);

        using var browser = await _app.SignedInBrowserAsync("noa", "admin");
        circuit.Reconnect(browser.CookieHeader);
        var user = await circuit.ClickAsync();

        Assert.Equal("noa", user?.Identity?.Name);
        var state = (await circuit.AuthState.GetAuthenticationStateAsync()).User;
        Assert.Equal("noa", state.Identity?.Name);
        Assert.True(state.IsInRole("admin"));
        Assert.Equal(["admin"], circuit.State.Roles);
    }

    [Fact]
    public async Task A_redirecting_event_middleware_navigates_and_vetoes_the_click()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null, location: "/members");

        await circuit.ClickAsync();

        Assert.Equal(0, circuit.Clicks);
        Assert.Equal(("/login?returnUrl=%2Fmembers", true), circuit.Navigation.Last);
    }

    [Fact]
    public async Task A_denying_event_middleware_vetoes_the_click_and_the_app_state_shows_the_status()
    {
        await using var circuit = Circuit.Open(_app, cookieHeader: null, location: "/forbidden");

        await circuit.ClickAsync();

        Assert.Equal(0, circuit.Clicks);
        Assert.Equal(StatusCodes.Status403Forbidden, circuit.State.DeniedStatusCode);

        // The circuit's own activities (here a location change) still run, without the handler's context.
        var ran = false;
        await circuit.ActivityAsync("OnLocationChanged", () => ran = true);
        Assert.True(ran);
    }

    /// <summary>One circuit: its DI scope, its handler, its handshake request.</summary>
    /// <summary>
    /// A circuit's dispatcher that runs what is posted to it only when the test says so: the test chooses where, against
    /// the circuit's events, a pushed re-check starts. Posted work runs on the test's thread; its continuations do not
    /// come back here.
    /// </summary>
    internal sealed class HeldDispatcher : SynchronizationContext
    {
        private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _posted = new();

        public override void Post(SendOrPostCallback d, object? state) => _posted.Enqueue((d, state));

        /// <summary>Starts everything posted so far; returns how many there were.</summary>
        public int RunPending()
        {
            var ran = 0;
            while (_posted.TryDequeue(out var work))
            {
                work.Callback(work.State);
                ran++;
            }

            return ran;
        }
    }

    internal sealed class Circuit : IAsyncDisposable
    {
        private readonly AsyncServiceScope _scope;
        private readonly Func<CircuitInboundActivityContext, Task> _pipeline;
        private readonly CircuitInboundActivityContext _context = (CircuitInboundActivityContext)RuntimeHelpers.GetUninitializedObject(typeof(CircuitInboundActivityContext));
        private readonly CircuitHandler _handler;
        private readonly HostString _host;
        private HttpContext _handshake;
        private Func<Task> _next = () => Task.CompletedTask;

        private Circuit(AsyncServiceScope scope, HostString host, string? cookieHeader)
        {
            _scope = scope;
            _host = host;
            _handshake = Handshake(cookieHeader);
            var services = scope.ServiceProvider;
            _handler = services.GetServices<CircuitHandler>().OfType<TetherCircuitHandler>().Single();
            _pipeline = _handler.CreateInboundActivityHandler(_ => _next());
            State = services.GetRequiredService<TestState>();
            AuthState = services.GetRequiredService<AuthenticationStateProvider>();
            Navigation = (TestNavigation)services.GetRequiredService<NavigationManager>();
        }

        public TestState State { get; }

        public AuthenticationStateProvider AuthState { get; }

        public TestNavigation Navigation { get; }

        public int Clicks { get; private set; }

        /// <summary>The circuit's DI scope, which a component's <c>@inject</c> resolves from.</summary>
        public IServiceProvider Services => _scope.ServiceProvider;

        /// <summary>What the circuit called in its browser.</summary>
        public RecordingJSRuntime Js => (RecordingJSRuntime)_scope.ServiceProvider.GetRequiredService<IJSRuntime>();

        /// <summary>The request that carries the circuit's socket.</summary>
        public HttpContext Connection => _handshake;

        /// <summary>
        /// Opens a circuit; with <paramref name="dispatcher"/>, that is its renderer's dispatcher, which a revocation pushed
        /// to the circuit posts its re-check to.
        /// </summary>
        public static Circuit Open(CoreTestApp app, string? cookieHeader, string location = "/page", SynchronizationContext? dispatcher = null)
        {
            var scope = app.App.Services.CreateAsyncScope();
            var circuit = new Circuit(scope, new HostString(app.BaseAddress.Authority), cookieHeader);
            circuit.Navigation.Start(app.BaseAddress, location);

            // Blazor sets the circuit's first auth state from the connection's user; Tether's events update it after.
            ((IHostEnvironmentAuthenticationStateProvider)circuit.AuthState).SetAuthenticationState(
                Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));
            var previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(dispatcher ?? previous);
            try
            {
                circuit._handler.OnCircuitOpenedAsync(null!, CancellationToken.None).GetAwaiter().GetResult();
            }
            finally
            {
                SynchronizationContext.SetSynchronizationContext(previous);
            }

            return circuit;
        }

        public void Reconnect(string? cookieHeader) => _handshake = Handshake(cookieHeader);

        /// <summary>
        /// The page reports the URL it shows, as Tether's script does after an enhanced load: through the object the
        /// circuit handed it when its connection came up.
        /// </summary>
        public async Task ReportLocationAsync(string location)
        {
            await _handler.OnConnectionUpAsync(null!, CancellationToken.None);
            var js = (RecordingJSRuntime)_scope.ServiceProvider.GetRequiredService<IJSRuntime>();
            var reporter = (DotNetObjectReference<CircuitLocation>)js.Arguments["tether.setCircuit"]![2]!;
            reporter.Value.Report(Navigation.ToAbsoluteUri(location).ToString());
        }

        /// <summary>A UI event: the app's handler records the user it ran as.</summary>
        public async Task<ClaimsPrincipal?> ClickAsync()
        {
            ClaimsPrincipal? user = null;
            await ActivityAsync("BeginInvokeDotNetFromJS", () =>
            {
                Clicks++;
                user = Current.User();
            });
            return user;
        }

        /// <summary>
        /// An inbound activity of the circuit, as the hub call <paramref name="hubMethod"/> brings it; with
        /// <paramref name="withHubCall"/> false, as if Tether's filter had not seen the call.
        /// </summary>
        public Task ActivityAsync(string hubMethod, Action handler, bool withHubCall = true) => ActivityAsync(hubMethod, () =>
        {
            handler();
            return Task.CompletedTask;
        }, withHubCall);

        /// <summary>An inbound activity whose app code is asynchronous, as a click handler that signs in is.</summary>
        public Task ActivityAsync(string hubMethod, Func<Task> handler, bool withHubCall = true)
        {
            _next = handler;
            ComponentHubCall.Current = withHubCall ? new ComponentHubCall(hubMethod, _handshake) : null;
            try
            {
                return _pipeline(_context);
            }
            finally
            {
                ComponentHubCall.Current = null;
            }
        }

        public ValueTask DisposeAsync() => _scope.DisposeAsync();

        private DefaultHttpContext Handshake(string? cookieHeader)
        {
            var context = new DefaultHttpContext { TraceIdentifier = Guid.NewGuid().ToString("N") };
            context.Request.Scheme = "http";
            context.Request.Host = _host;
            context.Request.Path = "/_blazor";

            // As UseTether marks the socket's request when it passes through.
            Tether.Accessors.SocketRequest.Mark(context);
            if (cookieHeader is { Length: > 0 })
            {
                context.Request.Headers.Cookie = cookieHeader;
            }

            return context;
        }
    }

    internal sealed class TestState : AppState;

    internal sealed class RecordingJSRuntime : IJSRuntime
    {
        public ConcurrentQueue<string> Calls { get; } = new();

        /// <summary>The arguments of each call, by identifier: the last call's.</summary>
        public ConcurrentDictionary<string, object?[]?> Arguments { get; } = new();

        private readonly System.Threading.Channels.Channel<(string Identifier, object?[]? Args)> _invoked
            = System.Threading.Channels.Channel.CreateUnbounded<(string, object?[]?)>();

        /// <summary>The arguments of the next call of <paramref name="identifier"/> (one made since the last read included).</summary>
        public async Task<object?[]?> NextCallAsync(string identifier)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            while (true)
            {
                var (called, args) = await _invoked.Reader.ReadAsync(timeout.Token);
                if (called == identifier)
                {
                    return args;
                }
            }
        }

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, object?[]? args)
        {
            Calls.Enqueue(identifier);
            Arguments[identifier] = args;
            _invoked.Writer.TryWrite((identifier, args));
            return ValueTask.FromResult(default(TValue)!);
        }

        public ValueTask<TValue> InvokeAsync<TValue>(string identifier, CancellationToken cancellationToken, object?[]? args)
            => InvokeAsync<TValue>(identifier, args);
    }

    internal sealed class TestNavigation : NavigationManager
    {
        public (string Uri, bool ForceLoad)? Last { get; private set; }

        public void Start(Uri baseAddress, string location) => Initialize(baseAddress.ToString(), new Uri(baseAddress, location).ToString());

        /// <summary>The page moved to <paramref name="location"/>, as Blazor's location sync sets it.</summary>
        public void MoveTo(string location) => Uri = ToAbsoluteUri(location).ToString();

        protected override void NavigateToCore(string uri, NavigationOptions options) => Last = (uri, options.ForceLoad);
    }
}
