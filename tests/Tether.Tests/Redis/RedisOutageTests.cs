using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.SignalR;
using Xunit.Abstractions;

namespace Tether.Tests.Redis;

/// <summary>
/// Two nodes under a steady load of session writes while their Redis goes away and comes back: paused (its process
/// stopped with SIGSTOP, memory kept), or killed and started again empty (persistence is off, as in the tests' Redis).
/// </summary>
[Trait("Requires", "redis-server")]
public sealed class RedisOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private RedisNodes _nodes = null!;

    private RedisServer OwnRedis => _nodes.Redis;

    private CoreTestApp NodeA => _nodes.A;

    private CoreTestApp NodeB => _nodes.B;

    public async Task InitializeAsync() => _nodes = await RedisNodes.StartOwnAsync("outage");

    public async Task DisposeAsync() => await _nodes.DisposeAsync();

    [Fact]
    public async Task While_Redis_is_stopped_events_fail_with_the_typed_error_and_every_acknowledged_session_write_survives()
    {
        await using var onA = await Writer.StartAsync(NodeA);
        await using var onB = await Writer.StartAsync(NodeB);
        await WaitForAsync(() => onA.Acknowledged.Count >= 10 && onB.Acknowledged.Count >= 10);

        OwnRedis.Pause();
        await WaitForAsync(() => !onA.Failures.IsEmpty && !onB.Failures.IsEmpty);
        await AssertStaticPagesServeAsync();
        var before = (onA.Acknowledged.Count, onB.Acknowledged.Count);
        OwnRedis.Resume();
        await WaitForAsync(() => onA.Acknowledged.Count > before.Item1 + 5 && onB.Acknowledged.Count > before.Item2 + 5);
        await onA.StopAsync();
        await onB.StopAsync();

        foreach (var writer in (Writer[])[onA, onB])
        {
            writer.AssertSurvived();
            // Read back over HTTP on the other node: every write the server acknowledged is there.
            var other = writer.Node == NodeA ? NodeB : NodeA;
            var lost = await writer.LostWritesAsync(other);
            Assert.Empty(lost);
            output.WriteLine($"{writer.Node.BaseAddress}: {writer.Acknowledged.Count} writes acknowledged, 0 lost; {writer.Failures.Count} refused while Redis was stopped.");
        }
    }

    [Fact]
    public async Task When_Redis_is_killed_and_started_again_the_nodes_recover_by_themselves_and_revocations_push_across_nodes_again()
    {
        await using var onA = await Writer.StartAsync(NodeA);
        await using var onB = await Writer.StartAsync(NodeB);
        await WaitForAsync(() => onA.Acknowledged.Count >= 10 && onB.Acknowledged.Count >= 10);

        // Node A's writer is given a write's acknowledgement only after the kill: Redis stored that write, then died with
        // it. A loaded machine once delayed an acknowledgement so by chance; here it happens on every run.
        await onA.HoldNextAcknowledgementAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await OwnRedis.StopAsync();
        // Redis lost its memory with its process (no persistence): only writes invoked from here on can be read back. A
        // write invoked before may have been stored by the Redis that died, however late its acknowledgement arrives.
        onA.MarkOutage();
        onB.MarkOutage();
        onA.ReleaseAcknowledgement();
        await WaitForAsync(() => !onA.Failures.IsEmpty && !onB.Failures.IsEmpty);
        await AssertStaticPagesServeAsync();

        await OwnRedis.StartAgainAsync();
        var returned = Stopwatch.StartNew();
        onA.MarkReturn();
        onB.MarkReturn();
        await WaitForAsync(() => onA.RecoveredAfter is not null && onB.RecoveredAfter is not null);
        output.WriteLine($"First successful event after Redis returned: node A {onA.RecoveredAfter!.Value.TotalMilliseconds:F0} ms, node B {onB.RecoveredAfter!.Value.TotalMilliseconds:F0} ms.");
        await onA.StopAsync();
        await onB.StopAsync();

        foreach (var writer in (Writer[])[onA, onB])
        {
            writer.AssertSurvived();
            Assert.Empty(await writer.LostWritesAsync(writer.Node == NodeA ? NodeB : NodeA));
        }

        // The bus of node B re-subscribed by itself: a sign-out on node A reaches a hub connection on node B at once.
        using var browser = NodeA.NewBrowser();
        await browser.GetAsync("/signin?name=after-outage");
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var hubOnB = await NodeB.ConnectAsync(browser.Cookies, before: connection => connection.OnSignedOut(() => told.TrySetResult()));
        Assert.Equal("after-outage", (await hubOnB.InvokeAsync<Tether.Tests.SignalR.Whoami>("Whoami")).User);
        await browser.GetAsync("/signout");
        await told.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_node_started_while_Redis_is_down_hears_other_nodes_revocations_once_Redis_is_up()
    {
        // Two nodes of another app start while Redis is down: their revocation subscriptions fail and are logged. (A
        // Redis that lost its memory also lost the key ring nodes A and B wrote, so this app starts afresh.)
        await OwnRedis.StopAsync();
        await using var x = await RedisNode.StartAsync(OwnRedis, "late");
        await using var y = await RedisNode.StartAsync(OwnRedis, "late");
        await OwnRedis.StartAgainAsync();

        using var browser = x.NewBrowser();
        await RetryAsync(() => browser.GetAsync("/signin?name=late"));
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = await RetryAsync(async () =>
        {
            var connection = await y.ConnectAsync(browser.Cookies, before: c => c.OnSignedOut(() => told.TrySetResult()));
            if ((await connection.InvokeAsync<Tether.Tests.SignalR.Whoami>("Whoami")).User != "late")
            {
                await connection.DisposeAsync();
                throw new InvalidOperationException("Node Y does not see the sign-in yet.");
            }

            return connection;
        });
        await using (hub)
        {
            // Node Y's store is back, yet its subscription is made a moment after its connection is restored: a
            // revocation published before that reaches Y's connections at their next event only. Awaited, not raced.
            var bus = y.App.Services.GetRequiredService<Tether.Redis.RedisSignInRevocationBus>();
            await RetryAsync(() => Task.FromResult(bus.IsSubscribed ? true : throw new InvalidOperationException("Node Y is not subscribed yet.")));
            await browser.GetAsync("/signout");
            try
            {
                await told.Task.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException("Node Y's hub client was not told of the sign-out on node X within 10 s.", ex);
            }
        }
    }

    // Until the node's connection is back (it retries every second), a call that needs the store fails: await success.
    private static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        // Gives up after 30 s with the last failure, so a run that times out says what kept failing.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await action();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task AssertStaticPagesServeAsync()
    {
        foreach (var node in (CoreTestApp[])[NodeA, NodeB])
        {
            using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            Assert.Equal("no store needed", await http.GetStringAsync("/static"));
        }
    }

    // A store's command time-out and a Redis restart take seconds each, so these waits allow a minute.
    private static Task WaitForAsync(Func<bool> condition) => Waiting.WaitForAsync(condition, TimeSpan.FromSeconds(60));

    /// <summary>One browser on one node, writing a new session value in a hub call, again and again.</summary>
    private sealed class Writer : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly CookieContainer _cookies = new();
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private HubConnection _hub = null!;
        private Task _loop = Task.CompletedTask;
        private int _outageFrom = -1;
        private int _invoking = -1;
        private Stopwatch? _returned;
        private bool _closed;
        private TaskCompletionSource? _hold;

        private Writer(CoreTestApp node) => Node = node;

        public CoreTestApp Node { get; }

        /// <summary>The numbers whose write the server acknowledged, in order.</summary>
        public ConcurrentQueue<int> Acknowledged { get; } = new();

        /// <summary>The errors the client was given for the writes that were refused.</summary>
        public ConcurrentQueue<string> Failures { get; } = new();

        public ConcurrentQueue<Exception> Unexpected { get; } = new();

        public TimeSpan? RecoveredAfter { get; private set; }

        public static async Task<Writer> StartAsync(CoreTestApp node)
        {
            var writer = new Writer(node);
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = writer._cookies }) { BaseAddress = node.BaseAddress };
            await http.GetStringAsync("/session/set?key=started&value=1");
            writer._hub = await node.ConnectAsync(writer._cookies, before: connection => connection.Closed += _ =>
            {
                writer._closed = true;
                return Task.CompletedTask;
            });
            writer._loop = writer.RunAsync();
            return writer;
        }

        /// <summary>
        /// Redis has just lost its memory: the writes from the next one invoked on are checked by <see cref="LostWritesAsync"/>.
        /// Not those acknowledged from here on: the write in flight now may have reached the Redis that died before it.
        /// </summary>
        public void MarkOutage() => _outageFrom = Volatile.Read(ref _invoking) + 1;

        public void MarkReturn() => _returned = Stopwatch.StartNew();

        /// <summary>
        /// Holds the acknowledgement of the next write the server acknowledges until <see cref="ReleaseAcknowledgement"/>;
        /// returns once it is held (the write is then in the store, and the loop waits before counting it).
        /// </summary>
        public Task HoldNextAcknowledgementAsync()
        {
            var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _hold, hold);
            return hold.Task;
        }

        public void ReleaseAcknowledgement() => _released.TrySetResult();

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            ReleaseAcknowledgement();
            await _loop;
        }

        public void AssertSurvived()
        {
            Assert.Empty(Unexpected);
            Assert.False(_closed);
            Assert.Equal(HubConnectionState.Connected, _hub.State);
            // Refused with Tether's typed error, naming the store, never a generic server error; and refused before the
            // handler ran (a session that could not be read is not handed to it as an empty one), except at most the
            // one call that was between its read and its write when Redis went away.
            const string NotRun = "An unexpected error occurred invoking 'WriteSession' on the server. HubException: 'WriteSession' was not run: the session store is unavailable.";
            const string NotSaved = "An unexpected error occurred invoking 'WriteSession' on the server. HubException: 'WriteSession' ran, but the session store was unavailable: its session changes may not have been saved.";
            Assert.All(Failures, message => Assert.Contains(message, (string[])[NotRun, NotSaved]));
            Assert.InRange(Failures.Count(message => message == NotSaved), 0, 1);
        }

        /// <summary>The acknowledged writes (those invoked after the outage began, when Redis lost its memory) that <paramref name="node"/> cannot read back.</summary>
        public async Task<List<int>> LostWritesAsync(CoreTestApp node)
        {
            using var http = new HttpClient(new HttpClientHandler { CookieContainer = _cookies }) { BaseAddress = node.BaseAddress };
            var lost = new List<int>();
            foreach (var number in Acknowledged.Where(number => number >= _outageFrom))
            {
                var value = await http.GetStringAsync("/session/get?key=w" + number.ToString(CultureInfo.InvariantCulture));
                if (value != number.ToString(CultureInfo.InvariantCulture))
                {
                    lost.Add(number);
                }
            }

            return lost;
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            await _hub.DisposeAsync();
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            for (var number = 0; !_stop.IsCancellationRequested; number++)
            {
                var text = number.ToString(CultureInfo.InvariantCulture);
                // Published (a full fence) before the call is sent: a MarkOutage that reads an older number came before it.
                Interlocked.Exchange(ref _invoking, number);
                try
                {
                    await _hub.InvokeAsync("WriteSession", "w" + text, text);
                    if (Interlocked.Exchange(ref _hold, null) is { } hold)
                    {
                        hold.TrySetResult();
                        await _released.Task;
                    }

                    Acknowledged.Enqueue(number);
                    if (_returned is { } returned && RecoveredAfter is null)
                    {
                        RecoveredAfter = returned.Elapsed;
                    }
                }
                catch (HubException ex)
                {
                    Failures.Enqueue(ex.Message);
                    await Task.Delay(10);
                }
                catch (Exception ex)
                {
                    Unexpected.Enqueue(ex);
                    return;
                }
            }
        }
    }
}
