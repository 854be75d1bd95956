using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tether.Sessions;

namespace Tether.Tests.Sessions;

/// <summary>Which session the app's own SessionMiddleware gets, and the one start-up warning when it is not a merging one.</summary>
public sealed class SessionStartupTests : IDisposable
{
    private readonly FakeLogCollector _logs = new();
    private readonly FakeLoggerProvider _provider;

    public SessionStartupTests() => _provider = new FakeLoggerProvider(_logs);

    public void Dispose() => _provider.Dispose();

    [Fact]
    public void The_memory_cache_merges_sessions_with_nothing_to_set_up()
    {
        var services = new ServiceCollection().AddLogging().AddDistributedMemoryCache().AddSession();
        services.AddTether();
        using var provider = services.BuildServiceProvider();

        var store = Assert.IsType<MergingSessionStore>(provider.GetRequiredService<ISessionStore>());
        Assert.NotNull(store.Commit);
        Assert.IsType<MergingSession>(store.Create("key", TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(1), () => true, isNewSessionKey: true));
    }

    [Fact]
    public void An_apps_own_session_store_stays_the_apps()
    {
        var services = new ServiceCollection().AddLogging().AddDistributedMemoryCache().AddSession();
        services.AddSingleton<ISessionStore, OwnStore>();
        services.AddTether();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<OwnStore>(provider.GetRequiredService<ISessionStore>());
    }

    [Fact]
    public async Task A_cache_without_compare_and_set_commits_sessions_whole_and_says_so_once_at_start_up()
    {
        await using var app = await CoreTestApp.StartAsync(services: services =>
        {
            services.RemoveAll<IDistributedCacheCompareAndSet>();
            services.AddLogging(logging => logging.AddProvider(_provider));
        });

        var warning = Assert.Single(_logs.Named(nameof(EventIds.SessionsCommittedWhole)));
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains(typeof(RecordingCache).FullName!, warning.Message, StringComparison.Ordinal);
        Assert.Contains("IDistributedCacheCompareAndSet", warning.Message, StringComparison.Ordinal);
        var store = Assert.IsType<MergingSessionStore>(app.App.Services.GetRequiredService<ISessionStore>());
        Assert.IsType<DistributedSession>(store.Create("key", TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(1), () => true, isNewSessionKey: true));

        // Today's behaviour, unchanged: the session still works.
        using var browser = app.NewBrowser();
        await browser.GetAsync("/session/set?key=a&value=1");
        Assert.Equal("1", await browser.GetAsync("/session/get?key=a"));
    }

    [Fact]
    public async Task Sessions_merging_turned_off_are_ASP_NET_Cores_own_with_no_warning()
    {
        await using var app = await CoreTestApp.StartAsync(services: services =>
        {
            services.Configure<TetherOptions>(options => options.MergeSessions = false);
            services.AddLogging(logging => logging.AddProvider(_provider));
        });

        Assert.DoesNotContain(_logs.Tethers(), r => r.Level >= LogLevel.Warning);
        var store = app.App.Services.GetRequiredService<ISessionStore>();
        Assert.IsType<DistributedSession>(store.Create("key", TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(1), () => true, isNewSessionKey: true));
    }

    [Fact]
    public async Task AddSession_after_AddTether_is_named_in_the_start_up_warning()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders().AddProvider(_provider);
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddTether();
        builder.Services.AddSession();
        await using var app = builder.Build();
        app.UseSession();
        app.UseAuthentication();
        app.UseTether();

        var warning = Assert.Single(_logs.Named(nameof(EventIds.SessionStoreAddedAfterTether)));
        Assert.Contains("AddSession() before AddTether()", warning.Message, StringComparison.Ordinal);
        Assert.IsType<DistributedSessionStore>(app.Services.GetRequiredService<ISessionStore>());
    }

    private sealed class OwnStore : ISessionStore
    {
        public ISession Create(string sessionKey, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey)
            => throw new NotSupportedException();
    }
}
