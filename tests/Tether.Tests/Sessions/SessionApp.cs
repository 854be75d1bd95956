using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.JSInterop;
using Tether.SignalR;
using Tether.Tests.Components;

namespace Tether.Tests.Sessions;

/// <summary>
/// The core test app with revocable sign-in, bridged hubs and circuits, and the session's writers: <see cref="SessionHub"/>,
/// HTTP endpoints that add to a list in the session and read it, and circuits (<see cref="CircuitHandlerTests.Circuit"/>).
/// </summary>
internal static class SessionApp
{
    public const string Hub = "/hubs/session";

    public static Task<CoreTestApp> StartAsync(Action<IServiceCollection>? services = null) => CoreTestApp.StartAsync(
        services: collection =>
        {
            collection.AddTether().AddInteractiveServer().AddRevocableSignIn();
            collection.AddSignalR().AddTether();
            collection.AddAppState<CircuitHandlerTests.TestState>();
            collection.AddScoped<NavigationManager, CircuitHandlerTests.TestNavigation>();
            collection.AddScoped<AuthenticationStateProvider, ServerAuthenticationStateProvider>();
            collection.AddScoped<IJSRuntime, CircuitHandlerTests.RecordingJSRuntime>();
            services?.Invoke(collection);
        },
        map: Map);

    /// <summary>Maps <see cref="SessionHub"/> and the session's HTTP endpoints on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app)
    {
        app.MapHub<SessionHub>(Hub);
        app.MapPost("/list/add", async (HttpContext context, string key, string item) =>
        {
            await SessionHub.AddAsync(context.Session, key, item);
            // Committed before the response: SessionMiddleware's own commit runs after the response may have left.
            await context.Session.CommitAsync();
            return "ok";
        });
        app.MapGet("/list", async (HttpContext context, string key) =>
        {
            await context.Session.LoadAsync();
            return string.Join(',', SessionHub.Items(context.Session, key));
        });
        app.MapGet("/session/keys", async (HttpContext context, string prefix) =>
        {
            await context.Session.LoadAsync();
            return context.Session.Keys.Count(k => k.StartsWith(prefix, StringComparison.Ordinal));
        });
    }

    /// <summary>The store keys of sessions: <c>SessionMiddleware</c> names them with a GUID.</summary>
    public static IEnumerable<string> SessionKeys(CoreTestApp app) => app.Cache.Writes.Keys.Where(key => Guid.TryParse(key, out _));
}

/// <summary>A hub whose calls write the session: a key of their own, or an item added to a list with UpdateAsync.</summary>
public sealed class SessionHub : AppHub
{
    public void Write(string key, string value) => Session.SetString(key, value);

    public Task Add(string key, string item) => AddAsync(Session, key, item);

    public string List(string key) => string.Join(',', Items(Session, key));

    /// <summary>Handlers that wait, after their session was loaded, until the test opens their gate.</summary>
    internal static ConcurrentDictionary<string, (TaskCompletionSource Entered, TaskCompletionSource Open)> Gates { get; } = new();

    public async Task WriteAfterGate(string gate, string key, string value)
    {
        await PassAsync(gate);
        Session.SetString(key, value);
    }

    public async Task AddAfterGate(string gate, string key, string item)
    {
        await PassAsync(gate);
        await AddAsync(Session, key, item);
    }

    internal static (TaskCompletionSource Entered, TaskCompletionSource Open) NewGate(string gate)
        => Gates[gate] = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));

    private static Task PassAsync(string gate)
    {
        var (entered, open) = Gates[gate];
        entered.TrySetResult();
        return open.Task;
    }

    internal static Task AddAsync(ISession session, string key, string item)
        => session.UpdateStringAsync(key, current => current is null ? item : current + "," + item);

    internal static string[] Items(ISession session, string key)
        => session.GetString(key) is { } list ? list.Split(',') : [];
}
