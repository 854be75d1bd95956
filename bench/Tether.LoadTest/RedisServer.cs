using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Tether.LoadTest;

/// <summary>The server process of the <c>--redis</c> runs: hubs only, every node on the same Redis.</summary>
internal static class RedisServer
{
    /// <param name="mode">
    /// <c>redis</c>: Tether with revocable sign-in and <c>AddRedis</c> (cache, key ring, backplane and revocation bus on
    /// Redis); <c>redis-plain</c>: SignalR with the Redis backplane, no Tether, the session in memory.
    /// </param>
    /// <param name="redis">The Redis end point, <c>127.0.0.1:port</c>.</param>
    public static async Task RunAsync(string mode, string redis)
    {
        var tether = mode == "redis";
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // Warnings and errors go to standard output, which the driver drains and counts (the fault run).
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSession();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddAuthorization();
        var signalR = builder.Services.AddSignalR();
        if (tether)
        {
            // TETHER_MERGE_SESSIONS=false runs today's whole-session commits (DistributedSession), for a side-by-side run.
            builder.Services.AddTether(o => o.MergeSessions = Environment.GetEnvironmentVariable("TETHER_MERGE_SESSIONS") != "false")
                .AddRevocableSignIn().AddRedis(redis, o =>
                {
                    o.Prefix = "tether-load";
                    // TETHER_NEAR_CACHE=false reads every event's entries from Redis, for a side-by-side run.
                    o.NearCache = Environment.GetEnvironmentVariable("TETHER_NEAR_CACHE") != "false";
                });
            signalR.AddTether<BridgedHub>();
        }
        else
        {
            signalR.AddStackExchangeRedis(redis, o =>
            {
                o.Configuration.ChannelPrefix = StackExchange.Redis.RedisChannel.Literal("plain-load");
                o.Configuration.SetClientLibrary = false;
            });
        }

        var app = builder.Build();
        app.UseSession();
        app.UseAuthentication();
        if (tether)
        {
            app.UseTether();
        }

        app.MapGet("/signin", async (HttpContext context) =>
        {
            await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "load@shop.test"), new Claim(ClaimTypes.Role, "customer")], CookieAuthenticationDefaults.AuthenticationScheme)));
            context.Session.SetString("cart", "shoe");
            return "ok";
        });

        app.MapGet("/signout", async (HttpContext context) =>
        {
            await context.SignOutAsync();
            return "ok";
        });

        // A page that needs no store: no session read, no cookie to authenticate (the poller sends none).
        app.MapGet("/plain", () => "ok");
        app.MapHub<PlainHub>("/hubs/plain");
        if (tether)
        {
            app.MapHub<BridgedHub>("/hubs/bridged");
        }

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine("LISTENING " + address);

        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }
}
