using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Tether.LoadTest.Components;

namespace Tether.LoadTest;

/// <summary>The server process: Kestrel on 127.0.0.1, cookie auth and session over the memory cache.</summary>
internal static class Server
{
    /// <param name="mode"><c>plain</c> (hubs only), <c>bridged</c> (circuits too), <c>revocable</c> (and revocable sign-in).</param>
    public static async Task RunAsync(string mode)
    {
        var bridgeBlazor = mode is "bridged" or "revocable";
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");

        // Serve blazor.web.js from the build output: the load test runs unpublished, in the Production environment.
        builder.WebHost.UseStaticWebAssets();
        builder.Logging.ClearProviders();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSession();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddAuthorization();
        var tether = builder.Services.AddTether();
        if (bridgeBlazor)
        {
            tether.AddInteractiveServer();
        }

        if (mode == "revocable")
        {
            tether.AddRevocableSignIn();
            builder.Services.AddCascadingAuthenticationState();
        }

        builder.Services.AddSignalR().AddTether<BridgedHub>();
        var app = builder.Build();
        app.MapStaticAssets();
        app.UseSession();
        app.UseAuthentication();
        app.UseAntiforgery();
        app.UseTether();

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

        // The same work as BridgedHub.Echo, as a plain HTTP request through the same middleware.
        app.MapGet("/echo", async (HttpContext context, string value) =>
        {
            await context.Session.LoadAsync();
            return value + ":" + context.User.Identity?.Name + ":" + context.Session.GetString("cart");
        });
        app.MapHub<PlainHub>("/hubs/plain");
        app.MapHub<BridgedHub>("/hubs/bridged");
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Console.WriteLine("LISTENING " + address);

        // The driver closes standard input when it is done; the server never outlives it.
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
    }
}
