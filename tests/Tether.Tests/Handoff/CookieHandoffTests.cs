using System.Threading.Channels;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;
using Tether.Handoff;

namespace Tether.Tests.Handoff;

/// <summary>
/// The cookie handoff's redemption endpoint on real Kestrel: hub calls set cookies, a real SignalR client receives the
/// one-time id, and the tests redeem it the way a browser would, or the ways an attacker would try to.
/// </summary>
public sealed class CookieHandoffTests : IAsyncLifetime
{
    private const string Path = "/_tether/cookies";

    // Tether's clock, and the store's: they move apart so each expiry check is tested on its own.
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly ManualClock _storeClock = new(DateTimeOffset.UtcNow);
    private RecordingCache _cache = null!;
    private CoreTestApp _app = null!;

    public async Task InitializeAsync()
    {
        // The store ages its entries on a manual clock too, so expiry needs no waiting.
        _cache = new RecordingCache(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new StoreClock(_storeClock) })));
        _app = await CoreTestApp.StartAsync(
            services: services =>
            {
                services.AddSingleton<IDistributedCache>(_cache);
                services.AddSignalR().AddTether();
                services.Configure<TetherOptions>(options => options.TimeProvider = _clock);
            },
            map: app => app.MapHub<HandoffHub>("/hubs/handoff"));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_redemption_sets_the_cookies_exactly_as_the_event_set_them_and_a_replay_is_refused()
    {
        await using var client = await Client.ConnectAsync(_app);
        await client.Connection.InvokeAsync("SetCookie", "prefs", "dark");
        var (url, id) = await client.NextHandoffAsync();
        Assert.Equal(Path, url);
        Assert.Equal(43, id.Length);

        using var redeemed = await RedeemAsync(id, client.Binding);
        Assert.Equal(HttpStatusCode.NoContent, redeemed.StatusCode);
        var cookie = Assert.Single(SetCookies(redeemed));
        Assert.StartsWith("prefs=dark; max-age=3600; ", cookie, StringComparison.Ordinal);
        Assert.Contains("; path=/shop", cookie, StringComparison.Ordinal);
        Assert.Contains("; secure", cookie, StringComparison.Ordinal);
        Assert.Contains("; samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("; httponly", cookie, StringComparison.Ordinal);
        Assert.Equal("no-store", redeemed.Headers.CacheControl?.ToString());

        using var replay = await RedeemAsync(id, client.Binding);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Empty(SetCookies(replay));
    }

    [Fact]
    public async Task A_session_a_hub_call_created_reaches_http_through_the_dotnet_client_helper()
    {
        var cookies = new CookieContainer();
        await using var client = await Client.ConnectAsync(_app, cookies, useHelper: true);
        await client.Connection.InvokeAsync("WriteSession", "cart", "1 hat");

        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = _app.BaseAddress };
        await WaitForAsync(() => cookies.GetCookies(_app.BaseAddress)[".AspNetCore.Session"] is not null);
        Assert.Equal("1 hat", await http.GetStringAsync("/session/get?key=cart"));
    }

    [Fact]
    public async Task A_foreign_origin_is_refused_and_sets_nothing_and_the_id_still_works_for_its_owner()
    {
        await using var client = await Client.ConnectAsync(_app);
        var id = await client.SetCookieAsync("prefs", "dark");

        using var foreign = await RedeemAsync(id, client.Binding, origin: "https://evil.example");
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Empty(SetCookies(foreign));

        using var nullOrigin = await RedeemAsync(id, client.Binding, origin: "null");
        Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.StatusCode);
        Assert.Empty(SetCookies(nullOrigin));

        using var owner = await RedeemAsync(id, client.Binding);
        Assert.Equal(HttpStatusCode.NoContent, owner.StatusCode);
    }

    [Fact]
    public async Task An_id_from_another_connection_is_refused_and_the_attackers_browser_gets_no_auth_cookie()
    {
        await using var victim = await Client.ConnectAsync(_app);
        await using var attacker = await Client.ConnectAsync(_app);
        Assert.NotEqual(victim.Binding, attacker.Binding);
        await victim.Connection.InvokeAsync("SignIn", "victim");
        var (_, id) = await victim.NextHandoffAsync();

        // The attacker learned the id, and redeems it from their own browser: with their binding cookie, or none.
        using var stolen = await RedeemAsync(id, attacker.Binding);
        Assert.Equal(HttpStatusCode.BadRequest, stolen.StatusCode);
        Assert.Empty(SetCookies(stolen));
        using var unbound = await RedeemAsync(id, binding: null);
        Assert.Equal(HttpStatusCode.BadRequest, unbound.StatusCode);
        Assert.Empty(SetCookies(unbound));

        // The refusals did not spoil it for its owner.
        using var owner = await RedeemAsync(id, victim.Binding);
        Assert.Equal(HttpStatusCode.NoContent, owner.StatusCode);
        Assert.StartsWith(".AspNetCore.Cookies=", Assert.Single(SetCookies(owner)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_id_is_refused_and_sets_nothing()
    {
        await using var client = await Client.ConnectAsync(_app);
        var id = await client.SetCookieAsync("prefs", "dark");

        // Only Tether's clock moves: the store still holds the entry, and the endpoint's own expiry check refuses it.
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Contains(_cache.Writes.Keys, k => k.StartsWith("Tether.CookieHandoff:", StringComparison.Ordinal) && _cache.Get(k) is not null);
        using var late = await RedeemAsync(id, client.Binding);
        Assert.Equal(HttpStatusCode.BadRequest, late.StatusCode);
        Assert.Empty(SetCookies(late));
    }

    [Fact]
    public async Task A_get_and_other_malformed_redemptions_are_refused_and_set_nothing()
    {
        await using var client = await Client.ConnectAsync(_app);
        var id = await client.SetCookieAsync("prefs", "dark");

        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _app.BaseAddress };
        using var get = new HttpRequestMessage(HttpMethod.Get, Path + "?id=" + id);
        get.Headers.Add("Cookie", BindingCookie.Name + "=" + client.Binding);
        using var getResponse = await http.SendAsync(get);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, getResponse.StatusCode);
        Assert.Empty(SetCookies(getResponse));

        using var json = await RedeemAsync(id, client.Binding, content: new StringContent("{\"id\":\"" + id + "\"}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Empty(SetCookies(json));

        using var garbage = await RedeemAsync(id[..^1] + "!", client.Binding);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Empty(SetCookies(garbage));

        // None of them used the id up.
        using var owner = await RedeemAsync(id, client.Binding);
        Assert.Equal(HttpStatusCode.NoContent, owner.StatusCode);
    }

    [Fact]
    public async Task An_id_never_redeemed_leaves_the_store_when_it_expires_and_is_stored_only_hashed()
    {
        await using var client = await Client.ConnectAsync(_app);
        var id = await client.SetCookieAsync("prefs", "dark");

        var key = Assert.Single(_cache.Writes.Keys, k => k.StartsWith("Tether.CookieHandoff:", StringComparison.Ordinal));
        Assert.DoesNotContain(id, key, StringComparison.Ordinal);
        Assert.NotNull(await _cache.GetAsync(key));

        _storeClock.Advance(TimeSpan.FromSeconds(29));
        Assert.NotNull(await _cache.GetAsync(key));
        _storeClock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await _cache.GetAsync(key));
    }

    [Fact]
    public async Task A_call_that_sets_no_cookie_stores_nothing_and_sends_no_handoff()
    {
        await using var client = await Client.ConnectAsync(_app);
        await client.Connection.InvokeAsync("WriteSession", "k", "v");
        _ = await client.NextHandoffAsync();
        var writes = _cache.Writes.Keys.Count(k => k.StartsWith("Tether.CookieHandoff:", StringComparison.Ordinal));

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("nothing", await client.Connection.InvokeAsync<string>("Nothing"));
        }

        // The session cookie reached the jar, so later calls find the session and set no cookie: nothing is handed off.
        Assert.Equal("v", await client.Connection.InvokeAsync<string?>("ReadSession", "k"));
        Assert.Equal(writes, _cache.Writes.Keys.Count(k => k.StartsWith("Tether.CookieHandoff:", StringComparison.Ordinal)));
        Assert.False(client.Handoffs.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Two_quick_calls_that_set_the_same_cookie_are_handed_off_in_order_even_when_the_first_store_is_slow()
    {
        await using var client = await Client.ConnectAsync(_app);
        var release = _cache.HoldNextWrite("Tether.CookieHandoff:");
        await client.Connection.InvokeAsync("SetCookie", "step", "1");
        await client.Connection.InvokeAsync("SetCookie", "step", "2");
        release();

        var (_, first) = await client.NextHandoffAsync();
        var (_, second) = await client.NextHandoffAsync();
        using var one = await RedeemAsync(first, client.Binding);
        using var two = await RedeemAsync(second, client.Binding);
        Assert.StartsWith("step=1;", Assert.Single(SetCookies(one)), StringComparison.Ordinal);
        Assert.StartsWith("step=2;", Assert.Single(SetCookies(two)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_negotiate_response_gives_a_browser_without_one_an_HttpOnly_SameSite_Strict_binding_cookie()
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _app.BaseAddress };
        using var first = await http.PostAsync("/hubs/handoff/negotiate?negotiateVersion=1", null);
        first.EnsureSuccessStatusCode();
        var cookie = Assert.Single(SetCookies(first), c => c.StartsWith(BindingCookie.Name + "=", StringComparison.Ordinal));
        Assert.Contains("; path=/", cookie, StringComparison.Ordinal);
        Assert.Contains("; samesite=strict", cookie, StringComparison.Ordinal);
        Assert.Contains("; httponly", cookie, StringComparison.Ordinal);
        var value = cookie[(BindingCookie.Name.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
        Assert.True(value.Length >= 22, "at least 128 random bits");

        using var again = new HttpRequestMessage(HttpMethod.Post, "/hubs/handoff/negotiate?negotiateVersion=1");
        again.Headers.Add("Cookie", BindingCookie.Name + "=" + value);
        using var second = await http.SendAsync(again);
        second.EnsureSuccessStatusCode();
        Assert.Empty(SetCookies(second));
    }

    private static IEnumerable<string> SetCookies(HttpResponseMessage response)
        => response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];

    private async Task<HttpResponseMessage> RedeemAsync(string id, string? binding, string? origin = "", HttpContent? content = null)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _app.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, Path)
        {
            Content = content ?? new FormUrlEncodedContent([new KeyValuePair<string, string>("id", id)]),
        };
        request.Headers.Add("Origin", origin == "" ? _app.BaseAddress.GetLeftPart(UriPartial.Authority) : origin);
        if (binding is not null)
        {
            request.Headers.Add("Cookie", BindingCookie.Name + "=" + binding);
        }

        return await http.SendAsync(request);
    }

    internal sealed class StoreClock(TimeProvider clock) : ISystemClock
    {
        public DateTimeOffset UtcNow => clock.GetUtcNow();
    }

    /// <summary>A SignalR client with a cookie container of its own: one browser, and the handoffs it was sent.</summary>
    private sealed class Client(HubConnection connection) : IAsyncDisposable
    {
        private IDisposable? _helper;

        public HubConnection Connection { get; } = connection;

        /// <summary>The binding cookie the negotiate response gave this client.</summary>
        public string Binding { get; private set; } = string.Empty;

        public Channel<(string Url, string Id)> Handoffs { get; } = Channel.CreateUnbounded<(string, string)>();

        public static async Task<Client> ConnectAsync(CoreTestApp app, CookieContainer? cookies = null, bool useHelper = false)
        {
            cookies ??= new CookieContainer();
            var client = new Client(app.NewHub(cookies, "/hubs/handoff"));
            if (useHelper)
            {
                client._helper = client.Connection.UseTetherCookies(app.BaseAddress, cookies);
            }
            else
            {
                client.Connection.On<string, string>("tether:cookies", (url, id) => client.Handoffs.Writer.TryWrite((url, id)));
            }

            await client.Connection.StartAsync();
            client.Binding = cookies.GetCookies(app.BaseAddress)[BindingCookie.Name]?.Value
                ?? throw new InvalidOperationException("The negotiate response set no binding cookie.");
            return client;
        }

        /// <summary>Calls the hub's <c>SetCookie</c>, and returns the id of the handoff the call sent.</summary>
        public async Task<string> SetCookieAsync(string name, string value)
        {
            await Connection.InvokeAsync("SetCookie", name, value);
            return (await NextHandoffAsync()).Id;
        }

        public async Task<(string Url, string Id)> NextHandoffAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            return await Handoffs.Reader.ReadAsync(timeout.Token);
        }

        public async ValueTask DisposeAsync()
        {
            _helper?.Dispose();
            await Connection.DisposeAsync();
        }
    }
}
