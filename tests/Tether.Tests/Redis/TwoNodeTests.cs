using Tether.Handoff;

namespace Tether.Tests.Redis;

/// <summary>Two real Kestrel nodes of one app on one real Redis, the way a load balancer with sticky circuits spreads users.</summary>
[Collection("Redis")]
[Trait("Requires", "redis-server")]
public sealed class TwoNodeTests(RedisFixture redis) : IAsyncLifetime
{
    private RedisNodes _nodes = null!;

    private CoreTestApp NodeA => _nodes.A;

    private CoreTestApp NodeB => _nodes.B;

    public async Task InitializeAsync() => _nodes = await RedisNodes.StartAsync(redis.Server, "nodes-" + Guid.NewGuid().ToString("N"));

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_session_value_written_by_an_event_on_one_node_is_read_over_http_on_the_other_and_back()
    {
        using var browser = NodeA.NewBrowser();
        using var onB = OnNode(NodeB, browser.Cookies);
        await browser.GetAsync("/session/set?key=cart&value=1");
        await using var hubOnA = await NodeA.ConnectAsync(browser.Cookies);

        await hubOnA.InvokeAsync("WriteSession", "owner", "written by an event on A");
        Assert.Equal("written by an event on A", await onB.GetStringAsync("/session/get?key=owner"));

        await onB.GetStringAsync("/session/set?key=owner&value=" + Uri.EscapeDataString("written over HTTP on B"));
        Assert.Equal("written over HTTP on B", (await hubOnA.InvokeAsync<Whoami>("Whoami")).Owner);
    }

    [Fact]
    public async Task A_cookie_issued_by_one_node_is_read_on_the_other_through_the_shared_key_ring()
    {
        using var browser = NodeA.NewBrowser();
        using var onB = OnNode(NodeB, browser.Cookies);
        await browser.GetAsync("/signin?name=nora");

        Assert.Equal("nora", await onB.GetStringAsync("/whoami"));
        await using var hubOnB = await NodeB.ConnectAsync(browser.Cookies);
        Assert.Equal("nora", (await hubOnB.InvokeAsync<Whoami>("Whoami")).User);
    }

    [Fact]
    public async Task A_cookie_handoff_issued_on_one_node_is_redeemed_on_the_other()
    {
        var cookies = new CookieContainer();
        var handoffs = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hubOnA = await NodeA.ConnectAsync(cookies, "/hubs/handoff",
            before: connection => connection.On<string, string>("tether:cookies", (_, id) => handoffs.TrySetResult(id)));
        await hubOnA.InvokeAsync("SetCookie", "prefs", "dark");
        var id = await handoffs.Task.WaitAsync(TimeSpan.FromSeconds(15));

        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = NodeB.BaseAddress };
        using var redeem = new HttpRequestMessage(HttpMethod.Post, "/_tether/cookies")
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("id", id)]),
        };
        redeem.Headers.Add("Origin", NodeB.BaseAddress.GetLeftPart(UriPartial.Authority));
        redeem.Headers.Add("Cookie", BindingCookie.Name + "=" + RedisNode.Binding(NodeA, cookies));
        using var redeemed = await http.SendAsync(redeem);

        Assert.Equal(HttpStatusCode.NoContent, redeemed.StatusCode);
        Assert.StartsWith("prefs=dark; ", Assert.Single(redeemed.Headers.GetValues("Set-Cookie")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sign_out_on_one_node_tells_a_hub_connection_on_the_other_at_once_and_closes_it()
    {
        using var browser = NodeA.NewBrowser();
        await browser.GetAsync("/signin?name=omar");
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hubOnB = await NodeB.ConnectAsync(browser.Cookies, before: connection =>
        {
            connection.OnSignedOut(() => told.TrySetResult());
            connection.Closed += _ =>
            {
                closed.TrySetResult();
                return Task.CompletedTask;
            };
        });
        Assert.Equal("omar", (await hubOnB.InvokeAsync<Whoami>("Whoami")).User);

        await browser.GetAsync("/signout");

        await told.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_hub_message_sent_on_one_node_reaches_a_client_connected_to_the_other()
    {
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var hubOnB = await NodeB.ConnectAsync(new CookieContainer(),
            before: connection => connection.On<string>("broadcast", text => received.Writer.TryWrite(text)));

        using var onA = NodeA.NewBrowser();
        await SubscribedAsync(onA, received.Reader);
        await onA.GetAsync("/broadcast?text=hello-from-A");

        Assert.Equal("hello-from-A", await NextAsync(received.Reader));
    }

    [Fact]
    public async Task A_hub_message_of_another_app_on_the_same_Redis_never_reaches_this_apps_clients()
    {
        await using var otherApp = await RedisNode.StartAsync(redis.Server, "other-" + Guid.NewGuid().ToString("N"));
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var hubOnB = await NodeB.ConnectAsync(new CookieContainer(),
            before: connection => connection.On<string>("broadcast", text => received.Writer.TryWrite(text)));
        using var onA = NodeA.NewBrowser();
        await SubscribedAsync(onA, received.Reader);

        // The same hub type in both apps: without the app's prefix on its channels, B would hear the other app first.
        using var other = otherApp.NewBrowser();
        await other.GetAsync("/broadcast?text=from-another-app");
        await onA.GetAsync("/broadcast?text=from-this-app");

        Assert.Equal("from-this-app", await NextAsync(received.Reader));
    }

    // The backplane subscribes a node to its hub's channel as its first connection opens, which the client's handshake
    // does not wait for: probe until a message from the sending node arrives, then read only what follows the probes.
    // The deadline is the outage tests' 60 s: the full suite runs twice (on .NET 10 and 11) beside the browser tests on
    // 2 cores, and 15 s was once not enough there.
    private static async Task SubscribedAsync(CoreTestApp.Browser sender, System.Threading.Channels.ChannelReader<string> received)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await sender.GetAsync("/broadcast?text=probe");
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            wait.CancelAfter(TimeSpan.FromMilliseconds(250));
            try
            {
                if (await received.ReadAsync(wait.Token) == "probe")
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
            }
        }
    }

    private static async Task<string> NextAsync(System.Threading.Channels.ChannelReader<string> received)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var text = await received.ReadAsync(timeout.Token);
            if (text != "probe")
            {
                return text;
            }
        }
    }

    private static HttpClient OnNode(CoreTestApp node, CookieContainer cookies)
        => new(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = node.BaseAddress };
}
