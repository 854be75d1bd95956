using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Diagnostics;

namespace Tether.Sessions;

/// <summary>
/// Puts <see cref="MergingSessionStore"/> in place of the <c>DistributedSessionStore</c> that <c>AddSession()</c>
/// registered, and says once, at start-up, when sessions will be committed whole instead.
/// </summary>
internal static class SessionRegistration
{
    public static void Add(IServiceCollection services)
    {
        services.TryAddSingleton(static services =>
        {
            var cache = services.GetRequiredService<IDistributedCache>();
            var options = services.GetRequiredService<IOptions<TetherOptions>>().Value;
            var store = options.MergeSessions ? CompareAndSetOf(services, cache) : null;
            var commit = store is null ? null : new SessionCommit(store, services.GetService<TetherMetrics>());
            return new MergingSessionStore(cache, commit, services.GetRequiredService<ILoggerFactory>());
        });

        // Only in place of AddSession()'s own store: an app's own ISessionStore stays the app's. AddSession() called after
        // AddTether() adds DistributedSessionStore then, and start-up says so (WarnIfCommittedWhole).
        var index = services.Count - 1;
        while (index >= 0 && services[index].ServiceType != typeof(ISessionStore))
        {
            index--;
        }

        if (index >= 0 && services[index].ImplementationType == typeof(DistributedSessionStore))
        {
            services[index] = ServiceDescriptor.Transient<ISessionStore>(static services => services.GetRequiredService<MergingSessionStore>());
        }
    }

    // The cache's own compare-and-set (Tether.Redis registers one), or the in-process one for the memory cache.
    private static IDistributedCacheCompareAndSet? CompareAndSetOf(IServiceProvider services, IDistributedCache cache)
        => services.GetService<IDistributedCacheCompareAndSet>() ?? (cache is MemoryDistributedCache ? new InProcessCompareAndSet(cache) : null);

    /// <summary>Logs, once, why sessions are committed whole although <see cref="TetherOptions.MergeSessions"/> is on.</summary>
    public static void WarnIfCommittedWhole(IServiceProvider services, TetherOptions options)
    {
        if (!options.MergeSessions || !options.UseSession)
        {
            return;
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Tether.Sessions");
        switch (services.GetService<ISessionStore>())
        {
            case DistributedSessionStore:
                SessionLog.AddedAfterTether(logger);
                break;
            case MergingSessionStore { Commit: null }:
                SessionLog.NoCompareAndSet(logger, services.GetRequiredService<IDistributedCache>().GetType().FullName!);
                break;
        }
    }
}
