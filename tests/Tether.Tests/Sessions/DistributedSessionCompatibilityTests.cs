using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Sessions;
using Tether.Tests.Handoff;

namespace Tether.Tests.Sessions;

/// <summary>
/// The merging session and ASP.NET Core's own <see cref="DistributedSession"/> over one memory cache: each reads what the
/// other wrote, key by key and with the same session id, so turning <see cref="TetherOptions.MergeSessions"/> on or off
/// loses no session; and the merging session keeps DistributedSession's idle timeout.
/// </summary>
public sealed class DistributedSessionCompatibilityTests
{
    private static readonly TimeSpan s_idle = TimeSpan.FromMinutes(20);
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly MemoryDistributedCache _cache;

    public DistributedSessionCompatibilityTests()
        => _cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions { Clock = new CookieHandoffTests.StoreClock(_clock) }));

    [Fact]
    public async Task A_session_DistributedSession_wrote_is_read_whole_by_the_merging_session_and_DistributedSession_reads_what_it_then_wrote()
    {
        var original = Distributed(isNew: true);
        original.SetString("cart", "hat,scarf");
        original.Set("empty", []);
        original.SetString("ключ", "значение");
        original.Set("binary", [0, 1, 2, 255]);
        await original.CommitAsync();

        var merging = Merging();
        await merging.LoadAsync();
        Assert.Equal(original.Id, merging.Id);
        Assert.Equal(["binary", "cart", "empty", "ключ"], merging.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("значение", merging.GetString("ключ"));
        Assert.Equal<byte>([0, 1, 2, 255], merging.Get("binary")!);
        merging.SetString("cart", "hat,scarf,gloves");
        merging.Remove("empty");
        await merging.CommitAsync();

        var again = Distributed(isNew: false);
        await again.LoadAsync();
        Assert.Equal(original.Id, again.Id);
        Assert.Equal("hat,scarf,gloves", again.GetString("cart"));
        Assert.False(again.TryGetValue("empty", out _));
        Assert.Equal("значение", again.GetString("ключ"));
        Assert.Equal<byte>([0, 1, 2, 255], again.Get("binary")!);
    }

    [Fact]
    public async Task A_session_the_merging_session_created_is_read_by_DistributedSession_and_its_writes_are_read_back()
    {
        var merging = Merging();
        await merging.LoadAsync();
        merging.SetString("a", "1");
        merging.Set(new string('k', 300), new byte[70_000]);
        await merging.CommitAsync();

        var distributed = Distributed(isNew: false);
        await distributed.LoadAsync();
        Assert.Equal(merging.Id, distributed.Id);
        Assert.Equal("1", distributed.GetString("a"));
        Assert.Equal(70_000, distributed.Get(new string('k', 300))!.Length);
        distributed.SetString("b", "2");
        await distributed.CommitAsync();

        var back = Merging();
        await back.LoadAsync();
        Assert.Equal(merging.Id, back.Id);
        Assert.Equal(["a", "b", new string('k', 300)], back.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_merging_session_expires_after_the_idle_timeout_and_every_read_slides_it_as_DistributedSession_does()
    {
        var merging = Merging();
        merging.SetString("a", "1");
        await merging.CommitAsync();

        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(s_idle - TimeSpan.FromMinutes(1));
            var read = Merging();
            await read.LoadAsync();
            Assert.Equal("1", read.GetString("a"));
        }

        _clock.Advance(s_idle + TimeSpan.FromSeconds(1));
        var expired = Merging();
        await expired.LoadAsync();
        Assert.Empty(expired.Keys);
    }

    private DistributedSession Distributed(bool isNew)
        => new(_cache, "session-key", s_idle, TimeSpan.FromMinutes(1), () => true, NullLoggerFactory.Instance, isNew);

    private MergingSession Merging()
        => new(_cache, new SessionCommit(new InProcessCompareAndSet(_cache), null), "session-key", s_idle, TimeSpan.FromMinutes(1), () => true);
}
