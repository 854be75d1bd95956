using System.Text;
using Microsoft.AspNetCore.Http;
using Tether.Events;
using Tether.Sessions;

namespace Tether;

/// <summary>Atomic read-modify-write of one session key, for HTTP requests and events alike.</summary>
public static class TetherSessionExtensions
{
    /// <summary>
    /// Sets <paramref name="key"/> to what <paramref name="update"/> makes of its current value, atomically: if another
    /// request or event commits the session first, <paramref name="update"/> runs again, at commit, on the value it
    /// committed, so concurrent updates (a cart's adds from several tabs and hub connections) are never lost.
    /// </summary>
    /// <remarks>
    /// <paramref name="update"/> may run more than once and must only compute the new value from the one it is given:
    /// at commit it runs while the session's commit holds its key's lock, so it must not wait on I/O or touch any session.
    /// Returning <see langword="null"/> removes the key. The update is committed with the session (at the end of the
    /// request or event, or by <see cref="ISession.CommitAsync"/>). With <see cref="TetherOptions.MergeSessions"/> off, or
    /// a cache without <see cref="IDistributedCacheCompareAndSet"/>, this is a plain read, then
    /// <see cref="ISession.Set"/>, and concurrent writers can lose updates as they do with ASP.NET Core's session.
    /// </remarks>
    /// <param name="session">The request's or event's session.</param>
    /// <param name="key">The key.</param>
    /// <param name="update">Makes the new value from the current one (<see langword="null"/> when there is none).</param>
    /// <param name="cancellationToken">Cancels loading the session.</param>
    /// <returns>The value the key holds for the rest of this request or event.</returns>
    public static Task<byte[]?> UpdateAsync(this ISession session, string key, Func<byte[]?, byte[]?> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(update);
        var eventSession = session as EventSession;
        if ((eventSession?.Inner ?? session) is MergingSession merging)
        {
            eventSession?.MarkModified();
            return merging.UpdateAsync(key, update, cancellationToken);
        }

        return ReadThenSetAsync(session, key, update, cancellationToken);
    }

    /// <summary>
    /// <see cref="UpdateAsync"/> for a value stored as UTF-8 text, as <c>SessionExtensions.SetString</c> stores it.
    /// </summary>
    /// <param name="session">The request's or event's session.</param>
    /// <param name="key">The key.</param>
    /// <param name="update">Makes the new text from the current one (<see langword="null"/> when there is none); may run more than once.</param>
    /// <param name="cancellationToken">Cancels loading the session.</param>
    /// <returns>The text the key holds for the rest of this request or event.</returns>
    public static async Task<string?> UpdateStringAsync(this ISession session, string key, Func<string?, string?> update, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(update);
        var value = await session.UpdateAsync(
            key,
            current => update(current is null ? null : Encoding.UTF8.GetString(current)) is { } next ? Encoding.UTF8.GetBytes(next) : null,
            cancellationToken);
        return value is null ? null : Encoding.UTF8.GetString(value);
    }

    private static async Task<byte[]?> ReadThenSetAsync(ISession session, string key, Func<byte[]?, byte[]?> update, CancellationToken cancellationToken)
    {
        await session.LoadAsync(cancellationToken);
        var next = update(session.TryGetValue(key, out var current) ? current : null);
        if (next is null)
        {
            session.Remove(key);
        }
        else
        {
            session.Set(key, next);
        }

        return next;
    }
}
