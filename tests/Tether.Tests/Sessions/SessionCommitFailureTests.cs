using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Tether.Diagnostics;
using Tether.Sessions;

namespace Tether.Tests.Sessions;

/// <summary>
/// A commit that cannot merge: other writers past the retry bound, or a stored value that is not a session. The call
/// fails with Tether's typed error, it is logged once, and nothing of what it wrote reaches the store. (A store that is
/// down at commit: EventBridgeTests.A_session_write_that_the_store_cannot_save_is_reported_not_lost_silently.)
/// </summary>
public sealed class SessionCommitFailureTests : IAsyncLifetime, IDisposable
{
    private readonly FakeLogCollector _logs = new();
    private readonly FakeLoggerProvider _provider;
    private ContendedCompareAndSet _store = null!;
    private CoreTestApp _app = null!;

    public SessionCommitFailureTests() => _provider = new FakeLoggerProvider(_logs);

    public async Task InitializeAsync() => _app = await SessionApp.StartAsync(services =>
    {
        services.AddLogging(logging => logging.AddProvider(_provider).AddFilter<FakeLoggerProvider>("Tether", LogLevel.Debug));
        services.Replace(ServiceDescriptor.Singleton<IDistributedCacheCompareAndSet>(sp =>
            _store = new ContendedCompareAndSet(sp.GetRequiredService<IDistributedCache>())));
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _provider.Dispose();

    [Fact]
    public async Task A_hub_call_whose_commit_meets_another_writer_every_time_fails_typed_logs_once_and_writes_nothing()
    {
        using var conflicts = new MetricCollector<long>(_app.App.Services.GetRequiredService<IMeterFactory>(), TetherDiagnostics.MeterName, TetherMetrics.SessionCommitConflicts);
        var (browser, hub, key) = await SessionOfAsync("fay");
        await using var _ = hub;
        using var __ = browser;

        _store.Contended = true;
        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Write", "mine", "lost"));
        _store.Contended = false;

        Assert.Contains("session store was unavailable", error.Message, StringComparison.Ordinal);
        var logged = Assert.Single(_logs.Named("HubSessionUnavailable"));
        Assert.Contains($"after {SessionCommit.DefaultMaxAttempts} attempts", logged.Exception!.Message, StringComparison.Ordinal);
        Assert.Equal(SessionCommit.DefaultMaxAttempts, conflicts.GetMeasurementSnapshot().EvaluateAsCounter());

        // Every other writer's commit is there; the failed call's key is not.
        Assert.Equal("0", await browser.GetAsync("/session/keys?prefix=mine"));
        Assert.Equal(SessionCommit.DefaultMaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture), await browser.GetAsync("/session/keys?prefix=other-"));
        Assert.NotNull(await _app.Cache.GetAsync(key));

        // The connection survives, and the next call commits.
        await hub.InvokeAsync("Write", "mine", "kept");
        Assert.Equal("1", await browser.GetAsync("/session/keys?prefix=mine"));
    }

    [Fact]
    public async Task An_http_request_whose_commit_meets_another_writer_every_time_is_refused_and_writes_nothing()
    {
        var (browser, hub, _) = await SessionOfAsync("gus");
        await using var ___ = hub;
        using var __ = browser;

        _store.Contended = true;
        using var response = await browser.Client.PostAsync("/list/add?key=cart&item=hat", null);
        _store.Contended = false;

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(string.Empty, await browser.GetAsync("/list?key=cart"));
    }

    [Fact]
    public async Task A_stored_value_that_is_not_a_session_is_never_overwritten_and_the_write_fails_typed()
    {
        var (browser, hub, key) = await SessionOfAsync("hal");
        await using var _ = hub;
        using var __ = browser;
        byte[] garbage = [9, 9, 9, 9];
        await _app.Cache.SetAsync(key, garbage, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(20) });

        var error = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Write", "mine", "lost"));

        Assert.Contains("ran, but the session store was unavailable", error.Message, StringComparison.Ordinal);
        var logged = Assert.Single(_logs.Named("HubSessionUnavailable"));
        Assert.Contains("not in DistributedSession's format", logged.Exception!.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await _app.Cache.GetAsync(key));
    }

    // A signed-in browser whose session is in the store, a hub connection on it, and the session's store key.
    private async Task<(CoreTestApp.Browser Browser, HubConnection Hub, string Key)> SessionOfAsync(string name)
    {
        var browser = _app.NewBrowser();
        await browser.GetAsync("/signin?name=" + name);
        using (var seeded = await browser.Client.PostAsync("/list/add?key=seed&item=1", null))
        {
            seeded.EnsureSuccessStatusCode();
        }

        var hub = await _app.ConnectAsync(browser.Cookies, SessionApp.Hub);
        await hub.InvokeAsync("Write", "before", "1");
        var key = SessionApp.SessionKeys(_app).Single(k => _app.Cache.Get(k) is { } value && value.Length > 30);
        return (browser, hub, key);
    }

    /// <summary>
    /// The in-process compare-and-set, with another writer that, while <see cref="Contended"/>, commits a key of its own
    /// to the session just before every attempt: the attempt always finds the session changed.
    /// </summary>
    private sealed class ContendedCompareAndSet(IDistributedCache cache) : IDistributedCacheCompareAndSet
    {
        private readonly InProcessCompareAndSet _inner = new(cache);
        private int _others;

        public bool Contended { get; set; }

        public async Task<(bool Swapped, byte[]? Current)> CompareAndSetAsync(
            string key, byte[]? expected, byte[] value, DistributedCacheEntryOptions options, CancellationToken cancellationToken = default)
        {
            if (Contended && await cache.GetAsync(key, cancellationToken) is { } current && SessionFormat.TryRead(current, out var id, out var entries))
            {
                entries["other-" + Interlocked.Increment(ref _others)] = [1];
                await cache.SetAsync(key, SessionFormat.Write(id, entries), options, cancellationToken);
            }

            return await _inner.CompareAndSetAsync(key, expected, value, options, cancellationToken);
        }
    }
}
