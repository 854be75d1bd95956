using Microsoft.Extensions.Logging;

namespace Tether.Redis;

internal sealed partial class NearCacheLink
{
    private static partial class Log
    {
        [LoggerMessage(EventIds.NearCacheUp, LogLevel.Information,
            "Redis near cache on: Redis reports every change of keys under '{Prefix}' to client {ClientId}.")]
        public static partial void Up(ILogger logger, string prefix, long clientId);

        [LoggerMessage(EventIds.NearCacheDown, LogLevel.Warning,
            "Redis near cache off until its invalidation link is back ({Reason}); events read Redis meanwhile.")]
        public static partial void Down(ILogger logger, string reason);

        [LoggerMessage(EventIds.NearCacheUnsupported, LogLevel.Warning,
            "Redis near cache unavailable: {Reason}. Events read Redis, as with TetherRedisOptions.NearCache = false.")]
        public static partial void Unsupported(ILogger logger, string reason);
    }
}
