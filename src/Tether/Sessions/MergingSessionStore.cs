using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace Tether.Sessions;

/// <summary>
/// The app's <see cref="ISessionStore"/> (in place of ASP.NET Core's <c>DistributedSessionStore</c>), so HTTP requests
/// and events alike get a <see cref="MergingSession"/> from the app's own <c>SessionMiddleware</c>. When the cache has no
/// compare-and-set (<see cref="IDistributedCacheCompareAndSet"/>) or <see cref="TetherOptions.MergeSessions"/> is off, it
/// hands out <c>DistributedSession</c>s, as <c>DistributedSessionStore</c> does. Thread-safe, one per app.
/// </summary>
internal sealed class MergingSessionStore : ISessionStore
{
    private readonly IDistributedCache _cache;
    private readonly ILoggerFactory _loggerFactory;

    public MergingSessionStore(IDistributedCache cache, SessionCommit? commit, ILoggerFactory loggerFactory)
    {
        _cache = cache;
        Commit = commit;
        _loggerFactory = loggerFactory;
    }

    /// <summary>The commit of merged sessions, or <see langword="null"/> when sessions are committed whole.</summary>
    public SessionCommit? Commit { get; }

    /// <summary>
    /// The same store reading through <paramref name="reads"/> (the event's cache, which serves what the event read up
    /// front), committing to the same compare-and-set.
    /// </summary>
    public MergingSessionStore ReadingFrom(IDistributedCache reads) => new(reads, Commit, _loggerFactory);

    public ISession Create(string sessionKey, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionKey);
        ArgumentNullException.ThrowIfNull(tryEstablishSession);
        return Commit is { } commit
            ? new MergingSession(_cache, commit, sessionKey, idleTimeout, ioTimeout, tryEstablishSession)
            : new DistributedSession(_cache, sessionKey, idleTimeout, ioTimeout, tryEstablishSession, _loggerFactory, isNewSessionKey);
    }
}
