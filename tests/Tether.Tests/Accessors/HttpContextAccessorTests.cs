using Microsoft.AspNetCore.SignalR;
using Tether.Tests.Components;

namespace Tether.Tests.Accessors;

/// <summary>
/// <see cref="IHttpContextAccessor"/> inside socket events, as the libraries that find their context through it
/// (SignInManager, IUrlHelper, tenant resolvers) read it: over a real SignalR connection on Kestrel, and in a circuit
/// driven as Blazor drives it.
/// </summary>
public sealed class HttpContextAccessorTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services =>
        {
            services.AddSingleton<AccessorProbe>();
            services.AddSignalR().AddTether();
            services.AddTestCircuits();
        },
        events: events => events.Use((context, next) =>
        {
            var accessor = context.RequestServices.GetRequiredService<IHttpContextAccessor>();
            context.Items["middleware-saw"] = ReferenceEquals(accessor.HttpContext, context) ? "event" : "other";
            return next(context);
        }),
        map: app =>
        {
            app.MapHub<AccessorHub>("/hubs/accessor");
            app.MapGet("/accessor", (HttpContext context, IHttpContextAccessor accessor) => ReferenceEquals(accessor.HttpContext, context) ? "request" : "other");
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private AccessorProbe Probe => _app.App.Services.GetRequiredService<AccessorProbe>();

    [Fact]
    public async Task In_a_hub_call_the_accessor_is_the_calls_context_for_the_handler_and_the_event_middleware()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=ada");
        await using var hub = await _app.ConnectAsync(browser.Cookies, "/hubs/accessor");

        Assert.Equal("event as ada, middleware saw event", await hub.InvokeAsync<string>(nameof(AccessorHub.Seen)));
    }

    [Fact]
    public async Task Work_a_hub_call_leaves_running_sees_no_context_never_the_sockets_request()
    {
        await using var hub = await _app.ConnectAsync(hub: "/hubs/accessor");
        var gate = Probe.Arm();

        await hub.InvokeAsync(nameof(AccessorHub.LeaveWorkRunning));
        gate.SetResult();

        Assert.Equal("null", await Probe.Leftover.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_hub_method_of_tier_None_sees_no_context_never_the_sockets_request()
    {
        await using var hub = await _app.ConnectAsync(hub: "/hubs/accessor");

        Assert.Equal("null", await hub.InvokeAsync<string>(nameof(AccessorHub.Unbridged)));
    }

    [Fact]
    public async Task In_a_circuit_event_the_accessor_is_the_events_context_and_outside_it_never_the_sockets_request()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=bo");
        await using var circuit = CircuitHandlerTests.Circuit.Open(_app, browser.CookieHeader);

        // The socket's request is what the framework's holder has on every flow of the circuit, as the hosting layer set it.
        var accessor = _app.App.Services.GetRequiredService<IHttpContextAccessor>();
        accessor.HttpContext = circuit.Connection;
        Assert.Null(accessor.HttpContext);

        string? seen = null;
        Task<HttpContext?>? leftover = null;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", () =>
        {
            var context = accessor.HttpContext;
            seen = ReferenceEquals(context, Current.HttpContext()) ? context!.User.Identity?.Name + " at " + context.Request.Path : "other";
            seen += ", middleware saw " + context?.Items["middleware-saw"];
            leftover = Task.Run(async () =>
            {
                await gate.Task;
                return accessor.HttpContext;
            });
        });
        gate.SetResult();

        Assert.Equal("bo at /page, middleware saw event", seen);
        Assert.Null(await leftover!);
        Assert.Same(circuit.Connection, ((Tether.Accessors.EventHttpContextAccessor)accessor).Inner.HttpContext);
    }

    [Fact]
    public async Task A_plain_http_request_sees_its_own_context()
    {
        using var browser = _app.NewBrowser();

        Assert.Equal("request", await browser.GetAsync("/accessor"));
    }

    [Fact]
    public async Task An_accessor_registered_before_AddTether_is_decorated_and_one_registered_after_it_fails_start_up()
    {
        var before = WebApplication.CreateSlimBuilder();
        before.Services.AddSingleton<IHttpContextAccessor, CustomAccessor>();
        before.Services.AddTether();
        before.Services.AddHttpContextAccessor();
        await using (var app = before.Build())
        {
            var accessor = Assert.IsType<Tether.Accessors.EventHttpContextAccessor>(app.Services.GetRequiredService<IHttpContextAccessor>());
            Assert.IsType<CustomAccessor>(accessor.Inner);
        }

        var after = WebApplication.CreateSlimBuilder();
        after.Services.AddDistributedMemoryCache().AddSession();
        after.Services.AddAuthentication().AddCookie();
        after.Services.AddTether();
        after.Services.AddSingleton<IHttpContextAccessor, CustomAccessor>();
        await using var late = after.Build();
        late.UseTether();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => late.StartAsync());
        Assert.Contains("registered after builder.Services.AddTether()", error.Message);
        Assert.Contains(nameof(CustomAccessor), error.Message);
    }

    private sealed class CustomAccessor : IHttpContextAccessor
    {
        public HttpContext? HttpContext { get; set; }
    }
}

/// <summary>What work that outlives its hub call saw, reported after the call.</summary>
public sealed class AccessorProbe
{
    private TaskCompletionSource _gate = new();

    public TaskCompletionSource<string> Leftover { get; private set; } = new();

    public Task Gate => _gate.Task;

    public TaskCompletionSource Arm()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Leftover = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        return _gate;
    }
}

public sealed class AccessorHub(IHttpContextAccessor accessor, AccessorProbe probe) : Hub
{
    public string Seen() => Describe(accessor.HttpContext) + ", middleware saw " + accessor.HttpContext?.Items["middleware-saw"];

    public void LeaveWorkRunning()
    {
        var gate = probe.Gate;
        var leftover = probe.Leftover;
        _ = Task.Run(async () =>
        {
            await gate;
            leftover.SetResult(Describe(accessor.HttpContext));
        });
    }

    [EventTier(EventTier.None)]
    public string Unbridged() => Describe(accessor.HttpContext);

    private string Describe(HttpContext? context) => context switch
    {
        null => "null",
        _ when ReferenceEquals(context, Context.GetHttpContext()) => "the socket's request",
        _ when ReferenceEquals(context, Current.HttpContext()) => "event as " + (context.User.Identity?.Name ?? "anonymous"),
        _ => "another context",
    };
}
