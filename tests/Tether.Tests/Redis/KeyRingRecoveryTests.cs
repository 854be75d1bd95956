using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;

namespace Tether.Tests.Redis;

/// <summary>
/// Two nodes whose Redis loses the Data Protection key ring (killed and started again empty, or emptied while it runs),
/// and a node restarted after that: they end on one key ring, so what one node protects reads on the other.
/// </summary>
[Trait("Requires", "redis-server")]
public sealed class KeyRingRecoveryTests : IAsyncLifetime
{
    private const string Prefix = "ring";
    private RedisServer _redis = null!;
    private CoreTestApp _a = null!;
    private CoreTestApp _b = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _a = await RedisNode.StartAsync(_redis, Prefix);
        _b = await RedisNode.StartAsync(_redis, Prefix);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task After_Redis_restarts_empty_a_node_restarted_after_the_return_and_the_running_node_read_each_others_cookies()
    {
        var before = await IssueBeforeTheOutageAsync();

        await _redis.StopAsync();
        await _redis.StartAgainAsync();
        await RestartBAsync();

        await AssertOneKeyRingAsync(before.Key);
        await AssertIssuedBeforeReadsOnEveryNodeAsync(before);
        await AssertEachNodeReadsTheOthersAsync();
    }

    [Fact]
    public async Task When_the_key_ring_vanishes_from_a_running_Redis_a_node_restarted_then_and_the_running_node_converge_on_one_key()
    {
        var before = await IssueBeforeTheOutageAsync();

        // No reconnect tells node A: node B, restarted on the empty Redis, makes a new key before A knows the ring is gone.
        await _redis.FlushAllAsync();
        await RestartBAsync();

        await AssertOneKeyRingAsync(before.Key);
        await AssertIssuedBeforeReadsOnEveryNodeAsync(before);
        await AssertEachNodeReadsTheOthersAsync();
    }

    private async Task<Issued> IssueBeforeTheOutageAsync()
    {
        using var browser = _a.NewBrowser();
        await browser.GetAsync("/signin?name=before");
        Assert.Equal("before", await WhoamiAsync(_b, browser.Cookies));
        using var antiforgery = _a.NewBrowser();
        var token = await antiforgery.GetAsync("/antiforgery/token");
        return new Issued(Ring(_a).DefaultKeyId, Protector(_a).Protect("issued before"), browser.Cookies, antiforgery.Cookies, token);
    }

    private async Task RestartBAsync()
    {
        await _b.DisposeAsync();
        _b = await RedisNode.StartAsync(_redis, Prefix);
    }

    // Every key in Redis is in both nodes' key rings as Data Protection caches them (no unknown-key refresh involved:
    // nothing is unprotected until this holds), both use the same default key, and the key of before is among them.
    private async Task AssertOneKeyRingAsync(Guid keyOfBefore)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string state;
        while ((state = await KeyRingStateAsync()) != "one key ring")
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("The nodes did not end on one key ring within 30 s: " + state);
            }

            await Task.Delay(50);
        }

        Assert.Contains(keyOfBefore, await KeysInRedisAsync());
    }

    private async Task<string> KeyRingStateAsync()
    {
        Guid[] keys;
        try
        {
            keys = await KeysInRedisAsync();
        }
        catch (StackExchange.Redis.RedisConnectionException)
        {
            return "Redis does not answer yet";
        }

        var a = Ring(_a);
        var b = Ring(_b);
        var lackedByA = keys.Where(key => a.GetAuthenticatedEncryptorByKeyId(key, out _) is null).ToList();
        var lackedByB = keys.Where(key => b.GetAuthenticatedEncryptorByKeyId(key, out _) is null).ToList();
        return keys.Length > 0 && a.DefaultKeyId == b.DefaultKeyId && lackedByA.Count == 0 && lackedByB.Count == 0
            ? "one key ring"
            : $"keys in Redis [{string.Join(", ", keys)}], default key on A {a.DefaultKeyId}, on B {b.DefaultKeyId}, "
                + $"A lacks [{string.Join(", ", lackedByA)}], B lacks [{string.Join(", ", lackedByB)}]";
    }

    private async Task AssertIssuedBeforeReadsOnEveryNodeAsync(Issued before)
    {
        foreach (var node in (CoreTestApp[])[_a, _b])
        {
            // Data Protection payloads and antiforgery tokens of before read on every node, the new one included.
            Assert.Equal("issued before", Protector(node).Unprotect(before.Payload));
            Assert.Equal("valid", await CheckAntiforgeryAsync(node, before.AntiforgeryCookies, before.AntiforgeryToken));

            // The sign-in cookie of before still decrypts, but its sign-in record went with Redis: refused on every node.
            Assert.Equal("(anonymous)", await WhoamiAsync(node, before.SignInCookies));
        }
    }

    private async Task AssertEachNodeReadsTheOthersAsync()
    {
        foreach (var (from, to) in (ValueTuple<CoreTestApp, CoreTestApp>[])[(_a, _b), (_b, _a)])
        {
            var name = "user-of-" + from.BaseAddress.Port;
            using var browser = from.NewBrowser();
            await browser.GetAsync("/signin?name=" + name);
            Assert.Equal(name, await WhoamiAsync(to, browser.Cookies));
            await using (var hub = await to.ConnectAsync(browser.Cookies))
            {
                Assert.Equal(name, (await hub.InvokeAsync<Whoami>("Whoami")).User);
            }

            Assert.Equal("crosses", Protector(to).Unprotect(Protector(from).Protect("crosses")));
            using var antiforgery = from.NewBrowser();
            Assert.Equal("valid", await CheckAntiforgeryAsync(to, antiforgery.Cookies, await antiforgery.GetAsync("/antiforgery/token")));
        }
    }

    private static async Task<string> CheckAntiforgeryAsync(CoreTestApp node, CookieContainer cookies, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/antiforgery/check");
        request.Headers.Add("RequestVerificationToken", token);
        using var http = OnNode(node, cookies);
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> WhoamiAsync(CoreTestApp node, CookieContainer cookies)
    {
        using var http = OnNode(node, cookies);
        return await http.GetStringAsync("/whoami");
    }

    private async Task<Guid[]> KeysInRedisAsync()
        => [.. (await _redis.ListAsync(Prefix + ":DataProtection-Keys")).Select(XElement.Parse).Where(e => e.Name == "key").Select(e => (Guid)e.Attribute("id")!)];

    private static IKeyRing Ring(CoreTestApp node) => node.App.Services.GetRequiredService<IKeyRingProvider>().GetCurrentKeyRing();

    private static IDataProtector Protector(CoreTestApp node) => node.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("key-ring-test");

    private static HttpClient OnNode(CoreTestApp node, CookieContainer cookies)
        => new(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = node.BaseAddress };

    private sealed record Issued(Guid Key, string Payload, CookieContainer SignInCookies, CookieContainer AntiforgeryCookies, string AntiforgeryToken);
}
