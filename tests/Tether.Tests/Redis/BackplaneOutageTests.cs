using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tether.Tests.Redis;

/// <summary>
/// Socket connections opened while Redis is down: Blazor's circuits never need the SignalR backplane, so theirs is served;
/// an app hub's needs it, so its client is told and connects once Redis is back.
/// </summary>
[Trait("Requires", "redis-server")]
public sealed class BackplaneOutageTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private RedisNodes _nodes = null!;

    private RedisServer OwnRedis => _nodes.Redis;

    private CoreTestApp NodeA => _nodes.A;

    private CoreTestApp NodeB => _nodes.B;

    public async Task InitializeAsync() => _nodes = await RedisNodes.StartOwnAsync("backplane");

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task A_connection_to_Blazors_hub_opened_while_Redis_is_down_is_served_during_the_outage_and_after_it()
    {
        await OwnRedis.StopAsync();
        await using var blazor = BlazorHub(NodeA);

        await blazor.StartAsync();

        // A round trip on Blazor's own hub: an unknown circuit id is answered with false, and the socket stays open.
        Assert.False(await blazor.InvokeAsync<bool>("ConnectCircuit", "not-a-circuit"));
        await OwnRedis.StartAgainAsync();
        Assert.False(await blazor.InvokeAsync<bool>("ConnectCircuit", "not-a-circuit"));
        Assert.Equal(HubConnectionState.Connected, blazor.State);
    }

    [Fact]
    public async Task An_app_hub_connection_attempted_while_Redis_is_down_fails_in_a_way_its_client_sees_and_connects_once_Redis_is_back()
    {
        await OwnRedis.StopAsync();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = NodeA.NewHub();
        hub.Closed += error =>
        {
            closed.TrySetResult(error);
            return Task.CompletedTask;
        };
        try
        {
            await hub.StartAsync();
            var error = await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.NotNull(error);
            output.WriteLine("Started, then closed: " + error.Message);
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
        {
            // Refused before the start completed: the client sees it there.
            output.WriteLine("Start failed: " + ex.Message);
        }

        Assert.Equal(HubConnectionState.Disconnected, hub.State);

        await OwnRedis.StartAgainAsync();
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var connected = await RetryAsync(async () =>
        {
            var connection = NodeA.NewHub();
            connection.On<string>("broadcast", text => received.Writer.TryWrite(text));
            try
            {
                await connection.StartAsync();
                await connection.InvokeAsync<Whoami>("Whoami");
                return connection;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        });
        await hub.DisposeAsync();

        // The backplane serves it: a message sent on node B reaches it on node A.
        using var onB = NodeB.NewBrowser();
        Assert.Equal("from-B", await FirstBroadcastAsync(onB, received.Reader));
    }

    [Fact]
    public async Task A_node_started_while_Redis_is_down_delivers_another_nodes_hub_messages_once_Redis_is_up()
    {
        // Node C starts while Redis is down: the backplane of each of its hubs tries to subscribe as it is created, and
        // fails. SignalR does not try again once its connection is set (dotnet/aspnetcore RedisHubLifetimeManager), so
        // C would never hear another node's messages, however long Redis has been back.
        await OwnRedis.StopAsync();
        await using var c = await RedisNode.StartAsync(OwnRedis, "backplane");
        using (var early = c.NewBrowser())
        {
            // A message sent on C now creates its hub's backplane, and fails once that has tried to subscribe.
            await Assert.ThrowsAsync<HttpRequestException>(() => early.GetAsync("/broadcast?text=during-the-outage"));
        }

        await OwnRedis.StartAgainAsync();

        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var onC = await RetryAsync(async () =>
        {
            var connection = c.NewHub();
            connection.On<string>("broadcast", text => received.Writer.TryWrite(text));
            try
            {
                await connection.StartAsync();
                return connection;
            }
            catch
            {
                await connection.DisposeAsync();
                throw;
            }
        });

        using var onB = NodeB.NewBrowser();
        Assert.Equal("from-B", await FirstBroadcastAsync(onB, received.Reader));
    }

    // A real SignalR client of Blazor's hub (ComponentHub), in its protocol, as a browser's circuit connects.
    private static HubConnection BlazorHub(CoreTestApp node)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(node.BaseAddress, "/_blazor"));
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol, BlazorPack>();
        return builder.Build();
    }

    // Node B sends "from-B" to every client of the hub, again every 250 ms until one arrives: it publishes once its own
    // connection is back (within a second of Redis's return), and the receiving node's subscription is made a moment
    // after its own. Awaited, not raced; the deadline is the outage tests' 30 s.
    private static async Task<string> FirstBroadcastAsync(CoreTestApp.Browser sender, System.Threading.Channels.ChannelReader<string> received)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                await sender.GetAsync("/broadcast?text=from-B");
            }
            catch (HttpRequestException) when (!deadline.IsCancellationRequested)
            {
                await Task.Delay(100, deadline.Token);
                continue;
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            wait.CancelAfter(TimeSpan.FromMilliseconds(250));
            try
            {
                return await received.ReadAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
            }
        }
    }

    // Until the node's connection is back (it retries every second), a connection that needs Redis fails: await success.
    private static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception) when (!timeout.IsCancellationRequested)
            {
                await Task.Delay(100, timeout.Token);
            }
        }
    }
}
