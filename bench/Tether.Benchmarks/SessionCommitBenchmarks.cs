using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tether.Sessions;

namespace Tether.Benchmarks;

/// <summary>
/// What a writing request or event pays for its session, on the memory cache: load the session, change one key, commit.
/// ASP.NET Core's <see cref="DistributedSession"/> (the baseline: whole-session write) against Tether's merging session
/// (the same bytes, committed with compare-and-set), for sessions of 1, 10 and 100 keys of 32 bytes each.
/// </summary>
[MemoryDiagnoser]
public class SessionCommitBenchmarks
{
    private static readonly TimeSpan s_idle = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan s_io = TimeSpan.FromMinutes(1);
    private static readonly byte[] s_value = Encoding.UTF8.GetBytes("a value of thirty-two bytes.....");

    private MemoryDistributedCache _cache = null!;
    private SessionCommit _commit = null!;
    private int _n;

    [Params(1, 10, 100)]
    public int Keys { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _cache = new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()));
        _commit = new SessionCommit(new InProcessCompareAndSet(_cache), null);
        foreach (var key in new[] { "distributed", "merging" })
        {
            var session = new DistributedSession(_cache, key, s_idle, s_io, static () => true, NullLoggerFactory.Instance, isNewSessionKey: true);
            for (var i = 0; i < Keys; i++)
            {
                session.Set("key-" + i, s_value);
            }

            session.CommitAsync().GetAwaiter().GetResult();
        }
    }

    [Benchmark(Baseline = true)]
    public async Task DistributedSessionOneKeyChange()
    {
        var session = new DistributedSession(_cache, "distributed", s_idle, s_io, static () => true, NullLoggerFactory.Instance, isNewSessionKey: false);
        await session.LoadAsync();
        session.SetInt32("key-0", _n++);
        await session.CommitAsync();
    }

    [Benchmark]
    public async Task MergingSessionOneKeyChange()
    {
        var session = new MergingSession(_cache, _commit, "merging", s_idle, s_io, static () => true);
        await session.LoadAsync();
        session.SetInt32("key-0", _n++);
        await session.CommitAsync();
    }
}
