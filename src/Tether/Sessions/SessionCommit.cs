using Microsoft.Extensions.Caching.Distributed;
using Tether.Diagnostics;

namespace Tether.Sessions;

/// <summary>
/// Commits a session's changes with compare-and-set: the session as the request or event sees it replaces the value it
/// loaded; if another writer committed in between, the store answers with its value, the changes are laid over that
/// (<see cref="SessionChanges.ApplyTo"/>), and the result is tried again, at most <see cref="MaxAttempts"/> times. No
/// lock is held between the load and the commit (a lock across a request was refused in dotnet/aspnetcore#24148). The
/// commits of one session within this process take turns, for the store's calls only: a retry then never loses to a
/// writer of the same process, so on the memory cache a commit succeeds at its second attempt at the latest, and on a
/// shared store it can only lose to other nodes. Thread-safe: one instance serves every session of the app.
/// </summary>
internal sealed class SessionCommit(IDistributedCacheCompareAndSet store, TetherMetrics? metrics, int maxAttempts = SessionCommit.DefaultMaxAttempts)
{
    public const int DefaultMaxAttempts = 25;

    private readonly SemaphoreSlim[] _turns = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];

    public int MaxAttempts => maxAttempts;

    /// <summary>
    /// Commits <paramref name="entries"/> (the session as the request or event sees it, loaded from
    /// <paramref name="loaded"/>) and returns what the store now holds: its bytes, entries and session id. Throws
    /// <see cref="SessionUnavailableException"/> when the bound is reached or the store's value cannot be read, having
    /// written nothing; a store failure is thrown as the store threw it.
    /// </summary>
    public async Task<(byte[] Stored, Dictionary<string, byte[]> Entries, byte[] Id)> CommitAsync(
        string key,
        byte[]? loaded,
        byte[] id,
        Dictionary<string, byte[]> entries,
        SessionChanges changes,
        DistributedCacheEntryOptions options,
        CancellationToken cancellationToken)
    {
        var turn = _turns[(uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_turns.Length];
        await turn.WaitAsync(cancellationToken);
        try
        {
            return await CommitInTurnAsync(key, loaded, id, entries, changes, options, cancellationToken);
        }
        finally
        {
            turn.Release();
        }
    }

    private async Task<(byte[] Stored, Dictionary<string, byte[]> Entries, byte[] Id)> CommitInTurnAsync(
        string key,
        byte[]? loaded,
        byte[] id,
        Dictionary<string, byte[]> entries,
        SessionChanges changes,
        DistributedCacheEntryOptions options,
        CancellationToken cancellationToken)
    {
        var expected = loaded;
        var value = SessionFormat.Write(id, entries);
        for (var attempt = 1; ; attempt++)
        {
            var (swapped, current) = await store.CompareAndSetAsync(key, expected, value, options, cancellationToken);
            if (swapped)
            {
                return (value, entries, id);
            }

            metrics?.SessionCommitConflicted();
            if (attempt >= maxAttempts)
            {
                throw new SessionUnavailableException(
                    $"Other writers kept changing the session while it was committed; after {maxAttempts} attempts what the request or event wrote to it was not saved.",
                    null);
            }

            // Another writer got there first: lay this one's changes over what it committed.
            if (current is null)
            {
                entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            }
            else if (SessionFormat.TryRead(current, out var storedId, out var stored))
            {
                (id, entries) = (storedId, stored);
            }
            else
            {
                throw new SessionUnavailableException(
                    "The session in the store is not in DistributedSession's format, so what the request or event wrote to it was not saved rather than overwrite it.",
                    null);
            }

            changes.ApplyTo(entries);
            value = SessionFormat.Write(id, entries);
            expected = current;
        }
    }
}
