using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tether.Events;

namespace Tether.Benchmarks;

/// <summary>
/// An app with cookie authentication and session over the distributed memory cache, Tether's event pipeline built, and
/// one connection that signed in and wrote its session in a first event, so its cookie jar holds real cookies.
/// </summary>
internal sealed class BridgeHost : IAsyncDisposable
{
    private BridgeHost(WebApplication app, EventRequest request, ConnectionState connection)
    {
        App = app;
        Request = request;
        Connection = connection;
        Bridge = app.Services.GetRequiredService<EventBridge>();
    }

    public WebApplication App { get; }

    public EventBridge Bridge { get; }

    public EventRequest Request { get; }

    public ConnectionState Connection { get; }

    public static async Task<BridgeHost> StartAsync(bool session, bool authentication, TimeSpan unprotectCache, bool revocable = false, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSession();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        var tether = builder.Services.AddTether(options =>
        {
            options.UseSession = session;
            options.UseAuthentication = authentication;
            options.UnprotectCacheDuration = unprotectCache;
        });
        if (revocable)
        {
            tether.AddRevocableSignIn();
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseTether();

        var handshake = new DefaultHttpContext();
        handshake.Request.Scheme = "https";
        handshake.Request.Host = new HostString("shop.example");
        handshake.Request.Path = "/_blazor";
        handshake.Request.Headers.UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36";
        handshake.Request.Headers.AcceptLanguage = "en-US,en;q=0.9";
        handshake.Request.Headers.Accept = "*/*";
        handshake.Connection.RemoteIpAddress = System.Net.IPAddress.Loopback;
        var request = EventRequest.FromHttpContext(handshake, "/search?q=shoe");
        var connection = new ConnectionState();

        // Sign in and establish the session the way an app does, so the jar holds a real ticket and session cookie.
        await app.Services.GetRequiredService<EventBridge>().RunAsync(request, connection, async context =>
        {
            await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "customer@shop.test"), new Claim(ClaimTypes.NameIdentifier, "42"), new Claim(ClaimTypes.Role, "customer")],
                CookieAuthenticationDefaults.AuthenticationScheme)));
            if (session)
            {
                context.Session.SetString("cart", "Trail running shoe");
            }
        });
        return new BridgeHost(app, request, connection);
    }

    public static Task Handler(HttpContext context)
    {
        _ = context.User.Identity?.Name;
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.ISessionFeature>()?.Session is { } session)
        {
            _ = session.GetString("cart");
            session.SetString("last_seen", "now");
        }

        return Task.CompletedTask;
    }

    /// <summary>The cookies the connection's events send, as the browser would hold them.</summary>
    public (string? Auth, string? Session) Cookies()
    {
        string? auth = null, session = null;
        Bridge.RunAsync(Request, Connection, context =>
        {
            auth = context.Request.Cookies[".AspNetCore.Cookies"];
            session = context.Request.Cookies[".AspNetCore.Session"];
            return Task.CompletedTask;
        }).GetAwaiter().GetResult();
        return (auth, session);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
