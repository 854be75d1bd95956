using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;
using Tether.Handoff;
using Tether.Tests.Handoff;

namespace Tether.Tests.Redis;

/// <summary>
/// One node of a scaled-out app: a real Kestrel app with session, revocable cookie sign-in and bridged hubs, whose
/// every shared part is on the given Redis through <c>AddRedis</c>. Nodes started with the same prefix are one app.
/// </summary>
internal static class RedisNode
{
    public static Task<CoreTestApp> StartAsync(RedisServer redis, string prefix, Action<IServiceCollection>? services = null) => CoreTestApp.StartAsync(
        services: collection =>
        {
            collection.AddTether().AddRevocableSignIn().AddRedis(redis.Configuration, options => options.Prefix = prefix);
            collection.AddSignalR().AddTether();
            collection.AddRazorComponents().AddInteractiveServerComponents();
            collection.AddAntiforgery();
            services?.Invoke(collection);
        },
        map: app =>
        {
            app.UseAntiforgery();
            app.MapHub<TestHub>("/hubs/test");
            app.MapRazorComponents<TestRoot>().AddInteractiveServerRenderMode();
            app.MapGet("/antiforgery/token", (HttpContext context, IAntiforgery antiforgery) => antiforgery.GetAndStoreTokens(context).RequestToken!);
            app.MapPost("/antiforgery/check", async (HttpContext context, IAntiforgery antiforgery) =>
                await antiforgery.IsRequestValidAsync(context) ? "valid" : "invalid").DisableAntiforgery();
            app.MapHub<HandoffHub>("/hubs/handoff");
            Tether.Tests.Sessions.SessionApp.Map(app);
            app.MapGet("/signout", async (HttpContext context) =>
            {
                await context.SignOutAsync();
                return "ok";
            });
            app.MapGet("/whoami", (HttpContext context) => context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name! : "(anonymous)");
            app.MapGet("/static", () => "no store needed");
            app.MapGet("/broadcast", async (IHubContext<TestHub> hub, string text) =>
            {
                await hub.Clients.All.SendAsync("broadcast", text);
                return "ok";
            });
        });

    /// <summary>The binding cookie a negotiate on a node gave this browser.</summary>
    public static string Binding(CoreTestApp node, CookieContainer cookies)
        => cookies.GetCookies(node.BaseAddress)[BindingCookie.Name]?.Value
            ?? throw new InvalidOperationException("The negotiate response set no binding cookie.");
}
