using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Tether.Benchmarks;

/// <summary>
/// The cost of one event through the bridge, against the irreducible work it wraps: unprotecting the authentication
/// and session cookies and one session-store read. In-memory stores throughout.
/// </summary>
[MemoryDiagnoser]
public class BridgeBenchmarks
{
    private BridgeHost _full = null!;
    private BridgeHost _fullRevocable = null!;
    private BridgeHost _fullUncached = null!;
    private BridgeHost _authOnly = null!;
    private BridgeHost _floor = null!;
    private string _authCookie = null!;
    private string _sessionCookie = null!;
    private Microsoft.AspNetCore.Authentication.ISecureDataFormat<Microsoft.AspNetCore.Authentication.AuthenticationTicket> _ticketFormat = null!;
    private IDataProtector _sessionProtector = null!;
    private IDistributedCache _store = null!;

    [GlobalSetup]
    public void Setup()
    {
        _full = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        _fullRevocable = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.FromMinutes(1), revocable: true).GetAwaiter().GetResult();
        _fullUncached = BridgeHost.StartAsync(session: true, authentication: true, TimeSpan.Zero).GetAwaiter().GetResult();
        _authOnly = BridgeHost.StartAsync(session: false, authentication: true, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        _floor = BridgeHost.StartAsync(session: false, authentication: false, TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();

        var services = _full.App.Services;
        (_authCookie, _sessionCookie) = _full.Cookies() switch
        {
            ({ } auth, { } session) => (auth, session),
            _ => throw new InvalidOperationException("The first event did not set both cookies."),
        };
        _ticketFormat = services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>()
            .Get(CookieAuthenticationDefaults.AuthenticationScheme).TicketDataFormat;
        _sessionProtector = services.GetRequiredService<IDataProtectionProvider>().CreateProtector("SessionMiddleware");
        _store = services.GetRequiredService<IDistributedCache>();
        if (Irreducible().GetAwaiter().GetResult() is null)
        {
            throw new InvalidOperationException("The irreducible work did not find the session.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var host in new[] { _full, _fullRevocable, _fullUncached, _authOnly, _floor })
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>What any per-event session and authentication must do: two cookie unprotects and one store read.</summary>
    [Benchmark(Baseline = true)]
    public async Task<byte[]?> Irreducible()
    {
        var ticket = _ticketFormat.Unprotect(_authCookie) ?? throw new InvalidOperationException("Ticket did not unprotect.");
        _ = ticket.Principal.Identity!.Name;
        var padded = _sessionCookie.PadRight(_sessionCookie.Length + ((4 - (_sessionCookie.Length % 4)) % 4), '=');
        var key = Encoding.UTF8.GetString(_sessionProtector.Unprotect(Convert.FromBase64String(padded)));
        return await _store.GetAsync(key);
    }

    /// <summary>Session and authentication middleware; the handler reads the user and a session value and writes one.</summary>
    [Benchmark]
    public Task FullBridge() => _full.Bridge.RunAsync(_full.Request, _full.Connection, BridgeHost.Handler);

    /// <summary>The same with revocable sign-in: every event also checks the sign-in and user records.</summary>
    [Benchmark]
    public Task FullBridgeRevocable() => _fullRevocable.Bridge.RunAsync(_fullRevocable.Request, _fullRevocable.Connection, BridgeHost.Handler);

    /// <summary>The same with the per-connection unprotect cache off: every event decrypts both cookies.</summary>
    [Benchmark]
    public Task FullBridgeWithoutUnprotectCache()
        => _fullUncached.Bridge.RunAsync(_fullUncached.Request, _fullUncached.Connection, BridgeHost.Handler);

    /// <summary>Authentication middleware only.</summary>
    [Benchmark]
    public Task AuthenticationOnly() => _authOnly.Bridge.RunAsync(_authOnly.Request, _authOnly.Connection, BridgeHost.Handler);

    /// <summary>No middleware: context build, scope and ambient binding only.</summary>
    [Benchmark]
    public Task NoMiddleware() => _floor.Bridge.RunAsync(_floor.Request, _floor.Connection, BridgeHost.Handler);

    /// <summary>The same, carrying its target's endpoint (a page's), as every circuit page event and hub call now does.</summary>
    [Benchmark]
    public Task NoMiddlewareWithEndpoint() => _floor.Bridge.RunAsync(
        default, _floor.Request, _floor.Connection, BridgeHost.Handler, null, CancellationToken.None, EventTier.Full, s_page);

    private static readonly Microsoft.AspNetCore.Http.Endpoint s_page = new(
        null, new Microsoft.AspNetCore.Http.EndpointMetadataCollection(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute("clicks")), "/deals");
}
