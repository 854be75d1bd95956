using Microsoft.Extensions.Logging;

namespace Tether.Handoff;

/// <summary>
/// Log messages of the cookie handoff (event ids 150 to 199). None of them carries a handoff id or a cookie value.
/// </summary>
internal static partial class CookieHandoffLog
{
    [LoggerMessage(150, LogLevel.Debug, "Stored {Count} cookie(s) an event set for the browser to redeem.", EventName = "CookieHandoffStored")]
    public static partial void Stored(ILogger logger, int count);

    [LoggerMessage(151, LogLevel.Warning, "The cookies an event set could not be handed to the browser ({ExceptionType}); they stay in the connection's cookie jar.", EventName = "CookieHandoffFailed")]
    public static partial void Failed(ILogger logger, string exceptionType, Exception exception);

    [LoggerMessage(152, LogLevel.Debug, "The connection's handshake carried no binding cookie; cookies its events set stay in its cookie jar.", EventName = "CookieHandoffUnbound")]
    public static partial void Unbound(ILogger logger);

    [LoggerMessage(153, LogLevel.Information, "Refused a cookie redemption: {Reason}.", EventName = "CookieRedemptionRefused")]
    public static partial void Refused(ILogger logger, string reason);

    [LoggerMessage(154, LogLevel.Debug, "A browser redeemed {Count} cookie(s) an event set.", EventName = "CookieRedeemed")]
    public static partial void Redeemed(ILogger logger, int count);

    [LoggerMessage(155, LogLevel.Warning, "No IDistributedCache is registered, so cookies that events set cannot reach the browser and stay in each connection's cookie jar. Call builder.Services.AddDistributedMemoryCache() (or a shared cache when the app runs on several nodes), or set TetherOptions.CookieHandoffPath to PathString.Empty.", EventName = "CookieHandoffWithoutStore")]
    public static partial void NoStore(ILogger logger);
}
