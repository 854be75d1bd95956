using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tether.Events;
using Tether.Handoff;

namespace Tether.Benchmarks;

/// <summary>
/// What the cookie handoff costs an event. An event that sets no cookie (the steady state: the session and ticket
/// cookies exist) must cost the same with a handoff channel attached as without: the bridge only reaches the handoff
/// when the response has <c>Set-Cookie</c> headers. An event that does set a cookie pays for the store write inline
/// (in-memory store here) and nothing for the browser's redemption, which it does not wait for.
/// </summary>
[MemoryDiagnoser]
public class CookieHandoffBenchmarks
{
    private static readonly Func<HttpContext, Task> s_setsCookie = static context =>
    {
        context.Response.Cookies.Append("theme", "dark");
        return BridgeHost.Handler(context);
    };

    private BridgeHost _plain = null!;
    private BridgeHost _withHandoff = null!;
    private int _notified;

    [GlobalSetup]
    public void Setup()
    {
        _plain = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        _withHandoff = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();

        // A handshake that carries a binding cookie, as a browser's does after the guard gave it one.
        var handshake = new DefaultHttpContext();
        handshake.Request.Scheme = "https";
        handshake.Request.Host = new HostString("shop.example");
        handshake.Request.Headers.Cookie = BindingCookie.SecureName + "=bench-binding";
        var bound = EventRequest.FromHttpContext(handshake, "/search?q=shoe");
        var handoff = _withHandoff.App.Services.GetRequiredService<CookieHandoff>();
        _withHandoff.Connection.AttachCookieDelivery(handoff.CreateChannel(bound, (_, _) =>
        {
            Interlocked.Increment(ref _notified);
            return Task.CompletedTask;
        }) ?? throw new InvalidOperationException("The handoff is off."));

        for (var i = 0; i < 3; i++)
        {
            WithHandoffNoCookie().GetAwaiter().GetResult();
        }

        if (Volatile.Read(ref _notified) != 0)
        {
            throw new InvalidOperationException("The steady-state event set a cookie, so it does not measure the no-cookie path.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _withHandoff.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>An event that sets no cookie, on a connection without a handoff channel.</summary>
    [Benchmark(Baseline = true)]
    public Task NoHandoffNoCookie() => _plain.Bridge.RunAsync(_plain.Request, _plain.Connection, BridgeHost.Handler);

    /// <summary>The same event on a connection with a handoff channel: it must cost the same.</summary>
    [Benchmark]
    public Task WithHandoffNoCookie() => _withHandoff.Bridge.RunAsync(_withHandoff.Request, _withHandoff.Connection, BridgeHost.Handler);

    /// <summary>An event that sets a cookie: the jar takes it and the handoff stores it (the browser is not waited for).</summary>
    [Benchmark]
    public Task WithHandoffSetsCookie() => _withHandoff.Bridge.RunAsync(_withHandoff.Request, _withHandoff.Connection, s_setsCookie);
}
