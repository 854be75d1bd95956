using Microsoft.Extensions.Logging;

namespace Tether.Sessions;

internal static partial class SessionLog
{
    [LoggerMessage(EventIds.SessionsCommittedWhole, LogLevel.Warning, "The IDistributedCache ({CacheType}) has no compare-and-set, so each session commit writes the whole session and two writers of one session at the same moment can lose each other's writes. Register an IDistributedCacheCompareAndSet for it (Tether.Redis's AddRedis() does for Redis), or set TetherOptions.MergeSessions = false to keep ASP.NET Core's whole-session commits without this warning.", EventName = nameof(EventIds.SessionsCommittedWhole))]
    public static partial void NoCompareAndSet(ILogger logger, string cacheType);

    [LoggerMessage(EventIds.SessionStoreAddedAfterTether, LogLevel.Warning, "builder.Services.AddSession() was called after AddTether(), so sessions use ASP.NET Core's DistributedSessionStore and each commit writes the whole session. Call builder.Services.AddSession() before AddTether(), or set TetherOptions.MergeSessions = false to keep whole-session commits without this warning.", EventName = nameof(EventIds.SessionStoreAddedAfterTether))]
    public static partial void AddedAfterTether(ILogger logger);
}
