using Microsoft.Extensions.Logging;

namespace Tether.Handoff;

/// <summary>
/// Log messages of the cookie handoff (event ids 150 to 199). None of them carries a handoff id or a cookie value.
/// </summary>
internal static partial class CookieHandoffLog
{
    [LoggerMessage(EventIds.CookieHandoffStored, LogLevel.Debug, "Stored {Count} cookie(s) an event set for the browser to redeem.", EventName = nameof(EventIds.CookieHandoffStored))]
    public static partial void Stored(ILogger logger, int count);

    [LoggerMessage(EventIds.CookieHandoffFailed, LogLevel.Warning, "The cookies an event set could not be handed to the browser ({ExceptionType}); they stay in the connection's cookie jar.", EventName = nameof(EventIds.CookieHandoffFailed))]
    public static partial void Failed(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(EventIds.CookieHandoffUnbound, LogLevel.Debug, "The connection's handshake carried no binding cookie; cookies its events set stay in its cookie jar.", EventName = nameof(EventIds.CookieHandoffUnbound))]
    public static partial void Unbound(ILogger logger);

    [LoggerMessage(EventIds.CookieRedemptionRefused, LogLevel.Information, "Refused a cookie redemption: {Reason}.", EventName = nameof(EventIds.CookieRedemptionRefused))]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(EventIds.CookieRedeemed, LogLevel.Debug, "A browser redeemed {Count} cookie(s) an event set.", EventName = nameof(EventIds.CookieRedeemed))]
    public static partial void Redeemed(ILogger logger, int count);

    [LoggerMessage(EventIds.CookieHandoffWithoutStore, LogLevel.Warning, "No IDistributedCache is registered, so cookies that events set cannot reach the browser and stay in each connection's cookie jar. Call builder.Services.AddDistributedMemoryCache() (or a shared cache when the app runs on several nodes), or set TetherOptions.CookieHandoffPath to PathString.Empty.", EventName = nameof(EventIds.CookieHandoffWithoutStore))]
    public static partial void NoStore(ILogger logger);
}
