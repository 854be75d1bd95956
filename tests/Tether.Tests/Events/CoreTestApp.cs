using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Caching.Memory;

namespace Tether.Tests.Events;

/// <summary>
/// A real Kestrel app on 127.0.0.1 with cookie authentication and session over the distributed memory cache, whose
/// HTTP endpoints sign users in and read and write the session, and capture handshakes as <see cref="EventRequest"/>s.
/// </summary>
internal sealed class CoreTestApp : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, EventRequest> _handshakes;

    private CoreTestApp(WebApplication app, Uri baseAddress, RecordingCache cache, ConcurrentDictionary<string, EventRequest> handshakes)
    {
        _handshakes = handshakes;
        App = app;
        BaseAddress = baseAddress;
        Cache = cache;
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>The session store's cache, recording what is written to it.</summary>
    public RecordingCache Cache { get; }

    public EventBridge Bridge => App.Services.GetRequiredService<EventBridge>();

    public static async Task<CoreTestApp> StartAsync(
        Action<IApplicationBuilder>? events = null,
        Action<IServiceCollection>? services = null,
        Action<WebApplication>? map = null,
        Action<CookieAuthenticationOptions>? cookies = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var cache = new RecordingCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
        builder.Services.AddSingleton<IDistributedCache>(cache);
        // The recording wrapper hides the memory cache from Tether, so the sessions' compare-and-set is named as an app
        // that wraps its memory cache would name it.
        builder.Services.AddSingleton<IDistributedCacheCompareAndSet>(static services => new InProcessCompareAndSet(services.GetRequiredService<IDistributedCache>()));
        builder.Services.AddSession();

        // A key ring of its own, in memory: a test that revokes keys must not touch other apps' keys, and no key folder
        // is left behind in the temp folder.
        builder.Services.AddDataProtection();
        builder.Services.Configure<KeyManagementOptions>(options => options.XmlRepository = new InMemoryKeyRing());
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options => cookies?.Invoke(options));
        builder.Services.AddAuthorization();
        builder.Services.AddTether();
        services?.Invoke(builder.Services);

        var app = builder.Build();
        var handshakes = new ConcurrentDictionary<string, EventRequest>();
        app.UseSession();
        app.UseAuthentication();
        app.UseTether(events);

        app.MapGet("/signin", async (HttpContext context, string name, string? role) =>
        {
            var claims = new List<Claim> { new(ClaimTypes.Name, name), new("tenant", name + "-tenant") };
            if (role is not null)
            {
                claims.Add(new Claim(ClaimTypes.Role, role));
            }

            await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme)));
            return "ok";
        });
        app.MapGet("/session/set", (HttpContext context, string key, string value) =>
        {
            context.Session.SetString(key, value);
            return "ok";
        });
        app.MapGet("/session/get", async (HttpContext context, string key) =>
        {
            await context.Session.LoadAsync();
            return context.Session.GetString(key) ?? "(none)";
        });

        map?.Invoke(app);
        app.MapGet("/handshake", (HttpContext context, string id, string? location) =>
        {
            handshakes[id] = EventRequest.FromHttpContext(context, location);
            return "ok";
        });

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new CoreTestApp(app, new Uri(address), cache, handshakes);
    }

    /// <summary>An HTTP client with a cookie container of its own: one browser.</summary>
    public Browser NewBrowser() => new(this);

    /// <summary>
    /// Sends a real HTTP request as a socket handshake would, with the given Cookie header, and returns its snapshot.
    /// </summary>
    public async Task<EventRequest> HandshakeAsync(string? cookieHeader, string? location = null, IDictionary<string, string>? headers = null)
    {
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = BaseAddress };
        var id = Guid.NewGuid().ToString("N");
        var url = "/handshake?id=" + id + (location is null ? string.Empty : "&location=" + Uri.EscapeDataString(location));
        using var message = new HttpRequestMessage(HttpMethod.Get, url);
        if (cookieHeader is not null)
        {
            message.Headers.Add("Cookie", cookieHeader);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            message.Headers.Add(name, value);
        }

        using var response = await client.SendAsync(message);
        response.EnsureSuccessStatusCode();
        return _handshakes[id];
    }

    /// <summary>
    /// A real SignalR client of <paramref name="hub"/> on this app, not started yet: with a browser's cookies (a jar of
    /// its own when none is given), and at the page <paramref name="location"/> when one is given.
    /// </summary>
    public HubConnection NewHub(CookieContainer? cookies = null, string hub = "/hubs/test", string? location = null)
    {
        var url = new Uri(BaseAddress, hub);
        var jar = cookies ?? new CookieContainer();
        return new HubConnectionBuilder()
            .WithUrl(location is null ? url : url.WithTetherLocation(location), options => options.Cookies = jar)
            .Build();
    }

    /// <summary>The same client, started; <paramref name="before"/> sees it first, to register its handlers.</summary>
    public async Task<HubConnection> ConnectAsync(CookieContainer? cookies = null, string hub = "/hubs/test", string? location = null, Action<HubConnection>? before = null)
    {
        var connection = NewHub(cookies, hub, location);
        before?.Invoke(connection);
        await connection.StartAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }

    public sealed class Browser : IDisposable
    {
        private readonly CoreTestApp _app;

        public Browser(CoreTestApp app)
        {
            _app = app;
            Cookies = new CookieContainer();
            Client = new HttpClient(new HttpClientHandler { CookieContainer = Cookies }) { BaseAddress = app.BaseAddress };
        }

        public CookieContainer Cookies { get; }

        public HttpClient Client { get; }

        public string CookieHeader => Cookies.GetCookieHeader(_app.BaseAddress);

        public Task<string> GetAsync(string url) => Client.GetStringAsync(url);

        public Task<EventRequest> HandshakeAsync(string? location = null, IDictionary<string, string>? headers = null)
            => _app.HandshakeAsync(CookieHeader, location, headers);

        /// <summary>Opens a hub's negotiate, as a page's socket does first: the browser gets its binding cookie.</summary>
        public async Task NegotiateAsync(string hub = "/hubs/test")
        {
            using var response = await Client.PostAsync(hub + "/negotiate?negotiateVersion=1", content: null);
            response.EnsureSuccessStatusCode();
        }

        /// <summary>Redeems a cookie handoff as Tether's script does: a same-origin POST with the binding cookie.</summary>
        public async Task RedeemAsync(string id, string path = "/_tether/cookies")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("id", id)]),
            };
            request.Headers.Add("Origin", _app.BaseAddress.GetLeftPart(UriPartial.Authority));
            using var response = await Client.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }

        public void Dispose() => Client.Dispose();
    }
}
