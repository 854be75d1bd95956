using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Tether.Sessions;

namespace Tether.Tests.Sessions;

/// <summary>
/// The merging session's I/O timeout, whose source a thread's next load or commit reuses: a store that hangs gets the
/// timeout every time, a fired or cancelled source is never handed out again, and a reused one starts uncancelled.
/// </summary>
public sealed class SessionTimeoutTests
{
    private static readonly TimeSpan s_io = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_store_that_hangs_times_out_each_load_and_the_loads_after_it_see_a_live_token()
    {
        var store = new TokenRecordingCache();
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 20; i++)
            {
                await Session(store).LoadAsync();
                Assert.False(store.LastToken.IsCancellationRequested, $"A load of round {round} was handed a cancelled token.");
            }

            store.Hang = true;
            var timedOut = await Assert.ThrowsAsync<OperationCanceledException>(() => Session(store).LoadAsync());
            Assert.Equal("Timed out loading the session.", timedOut.Message);
            store.Hang = false;
        }
    }

    [Fact]
    public async Task The_callers_cancellation_reaches_the_store_and_is_not_reported_as_a_timeout()
    {
        var store = new TokenRecordingCache { Hang = true };
        using var caller = new CancellationTokenSource();
        var load = Session(store, TimeSpan.FromSeconds(10)).LoadAsync(caller.Token);
        await caller.CancelAsync();
        var cancelled = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => load);
        Assert.NotEqual("Timed out loading the session.", cancelled.Message);

        store.Hang = false;
        for (var i = 0; i < 20; i++)
        {
            await Session(store).CommitAsync();
            Assert.False(store.LastToken.IsCancellationRequested, "A commit after the cancelled load was handed a cancelled token.");
        }
    }

    private static MergingSession Session(TokenRecordingCache store, TimeSpan? io = null)
        => new(store, new SessionCommit(new InProcessCompareAndSet(store.Inner), null), "session-key", TimeSpan.FromMinutes(20), io ?? s_io, () => true);

    // The memory cache, except that a read can hang until its token is cancelled; records the token of every call.
    private sealed class TokenRecordingCache : IDistributedCache
    {
        public MemoryDistributedCache Inner { get; } = new(Options.Create(new MemoryDistributedCacheOptions()));

        public bool Hang { get; set; }

        public CancellationToken LastToken { get; private set; }

        public byte[]? Get(string key) => Inner.Get(key);

        public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        {
            LastToken = token;
            if (Hang)
            {
                await Task.Delay(Timeout.Infinite, token);
            }

            return await Inner.GetAsync(key, token);
        }

        public void Refresh(string key) => Inner.Refresh(key);

        public Task RefreshAsync(string key, CancellationToken token = default)
        {
            LastToken = token;
            return Inner.RefreshAsync(key, token);
        }

        public void Remove(string key) => Inner.Remove(key);

        public Task RemoveAsync(string key, CancellationToken token = default) => Inner.RemoveAsync(key, token);

        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => Inner.Set(key, value, options);

        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
            => Inner.SetAsync(key, value, options, token);
    }
}
