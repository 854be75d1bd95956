using Microsoft.Extensions.Logging;

namespace Tether;

internal static partial class TetherLog
{
    [LoggerMessage(1, LogLevel.Debug, "Event started for {Path}.", EventName = "EventStarted")]
    public static partial void EventStarted(ILogger logger, string path);

    [LoggerMessage(2, LogLevel.Debug, "Event ended before its handler with status {StatusCode} and location '{Location}'.", EventName = "EventShortCircuited")]
    public static partial void EventShortCircuited(ILogger logger, int statusCode, string? location);

    [LoggerMessage(3, LogLevel.Warning, "The authentication cookie of an event was rejected: {Reason}. The event runs as an anonymous user.", EventName = "AuthenticationFailed")]
    public static partial void AuthenticationFailed(ILogger logger, string reason);

    [LoggerMessage(4, LogLevel.Warning, "A client reported a page location that is not a path on this app; the event runs at '/'.", EventName = "LocationRejected")]
    public static partial void LocationRejected(ILogger logger);

    [LoggerMessage(5, LogLevel.Debug, "Event handler threw {ExceptionType}; the session was committed and the context cleared.", EventName = "HandlerFailed")]
    public static partial void HandlerFailed(ILogger logger, string exceptionType);

    [LoggerMessage(7, LogLevel.Warning, "Rejected a socket handshake to {Path} from origin '{Origin}'.", EventName = "OriginRejected")]
    public static partial void OriginRejected(ILogger logger, string path, string origin);
}
