using Microsoft.Extensions.Logging;

namespace Tether;

internal static partial class TetherLog
{
    [LoggerMessage(EventIds.EventStarted, LogLevel.Debug, "Event started for {Path}.", EventName = nameof(EventIds.EventStarted))]
    public static partial void EventStarted(ILogger logger, string path);

    [LoggerMessage(EventIds.EventShortCircuited, LogLevel.Debug, "Event ended before its handler with status {StatusCode} and location '{Location}'.", EventName = nameof(EventIds.EventShortCircuited))]
    public static partial void EventShortCircuited(ILogger logger, int statusCode, string? location);

    // The reason (a handler's failure message, which usually ends with its own period) closes both messages, so the
    // template never adds punctuation after it.
    [LoggerMessage(EventIds.AuthenticationFailed, LogLevel.Warning, "The authentication cookie of an event was rejected, so the event runs as an anonymous user; further rejections on this connection are logged at Debug level. Reason: {Reason}", EventName = nameof(EventIds.AuthenticationFailed))]
    public static partial void AuthenticationFailed(ILogger logger, string reason);

    [LoggerMessage(EventIds.AuthenticationFailedAgain, LogLevel.Debug, "The authentication cookie of an event was rejected again on this connection, so the event runs as an anonymous user. Reason: {Reason}", EventName = nameof(EventIds.AuthenticationFailedAgain))]
    public static partial void AuthenticationFailedAgain(ILogger logger, string reason);

    [LoggerMessage(EventIds.LocationRejected, LogLevel.Warning, "A client reported a page location that is not a path on this app; the event was refused.", EventName = nameof(EventIds.LocationRejected))]
    public static partial void LocationRejected(ILogger logger);

    [LoggerMessage(EventIds.HandlerFailed, LogLevel.Debug, "Event handler threw {ExceptionType}; the session was committed and the context cleared.", EventName = nameof(EventIds.HandlerFailed))]
    public static partial void HandlerFailed(ILogger logger, string exceptionType);

    [LoggerMessage(EventIds.OriginRejected, LogLevel.Warning, "Rejected a socket handshake to {Path} from origin '{Origin}'.", EventName = nameof(EventIds.OriginRejected))]
    public static partial void OriginRejected(ILogger logger, string path, string origin);
}
