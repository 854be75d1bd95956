using Microsoft.Extensions.Caching.Distributed;
using Tether.Diagnostics;

namespace Tether.Sessions;

/// <summary>
/// Commits a session's changes with compare-and-set: the session as the request or event sees it replaces the value it
/// loaded; if another writer committed in between, the store answers with its value, the changes are laid over that
/// (<see cref="SessionChanges.ApplyTo"/>), and the result is tried again, at most <see cref="MaxAttempts"/> times. No
/// lock is held between the load and the commit (a lock across a request was refused in dotnet/aspnetcore#24148). The
/// commits of one session within this process take turns, for the store's calls only: a retry then never loses to a
/// writer of the same process, so on a shared store it can only lose to other nodes; and a commit that loaded one of
/// this process's earlier commits of the session merges over its latest at its first attempt. On the memory cache the
/// read, the merge and the write run under one lock of the key, in one attempt. Thread-safe: one instance serves every session of the app.
/// </summary>
internal sealed class SessionCommit(IDistributedCacheCompareAndSet store, TetherMetrics? metrics, int maxAttempts = SessionCommit.DefaultMaxAttempts)
{
    public const int DefaultMaxAttempts = 25;

    private readonly SemaphoreSlim[] _turns = [.. Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1))];
    private readonly Commits?[] _committed = new Commits?[64];

    public int MaxAttempts => maxAttempts;

    /// <summary>
    /// Commits <paramref name="entries"/> (the session as the request or event sees it, loaded from
    /// <paramref name="loaded"/>) and returns what the store now holds: its bytes, entries and session id. Throws
    /// <see cref="SessionUnavailableException"/> when the bound is reached or the store's value cannot be read, having
    /// written nothing; a store failure is thrown as the store threw it.
    /// </summary>
    public ValueTask<(byte[] Stored, Dictionary<string, byte[]> Entries, byte[] Id)> CommitAsync(
        string key,
        byte[]? loaded,
        byte[] id,
        Dictionary<string, byte[]> entries,
        SessionChanges changes,
        DistributedCacheEntryOptions options,
        CancellationToken cancellationToken)
    {
        if (store is not InProcessCompareAndSet { InPlace: true } local)
        {
            return new(CommitInTurnAsync(key, loaded, id, entries, changes, options, cancellationToken));
        }

        // On the memory cache the read, the merge and the write run under the key's stripe, so one attempt always
        // succeeds: no retry, no second lock, no task for calls that never wait on I/O.
        using var turn = local.Enter(key, cancellationToken);
        var current = local.Read(key);
        if (!InProcessCompareAndSet.SameValue(current, loaded))
        {
            metrics?.SessionCommitConflicted();
            (id, entries) = Merge(current, changes, id);
        }

        var value = SessionFormat.Write(id, entries);
        local.Write(key, value, options);
        return new((value, entries, id));
    }

    // Lays the changes over what another writer committed; throws, having written nothing, if its value cannot be read.
    private static (byte[] Id, Dictionary<string, byte[]> Entries) Merge(byte[]? current, SessionChanges changes, byte[] id)
    {
        Dictionary<string, byte[]> entries;
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
        return (id, entries);
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
        var stripe = (uint)StringComparer.Ordinal.GetHashCode(key) % (uint)_turns.Length;
        var turn = _turns[stripe];
        await turn.WaitAsync(cancellationToken);
        try
        {
            var expected = loaded;
            var guessed = false;
            var loadedId = id;

            // This event or request loaded a value this process committed earlier, and this process has committed
            // since: the store most likely holds the later one, so the changes are laid over that and the
            // compare-and-set expects it, instead of a round trip bound to fail. Only a guess: the compare-and-set
            // still decides, and another node's value wins. A value loaded from anywhere else is not second-guessed.
            if (_committed[stripe]?.Later(key, loaded) is { } later)
            {
                (id, entries) = Merge(later, changes, loadedId);
                expected = later;
                guessed = true;
            }

            var value = SessionFormat.Write(id, entries);
            for (var attempt = 1; ; attempt++)
            {
                var (swapped, current) = await store.CompareAndSetAsync(key, expected, value, options, cancellationToken);
                if (swapped)
                {
                    if (guessed && attempt == 1)
                    {
                        // The guess was right: the changes were merged over another writer's, a conflict as any other.
                        metrics?.SessionCommitConflicted();
                    }

                    (_committed[stripe] ??= new Commits()).Add(key, value);
                    return (value, entries, id);
                }

                metrics?.SessionCommitConflicted();
                if (attempt >= maxAttempts)
                {
                    _committed[stripe]?.Forget();
                    throw new SessionUnavailableException(
                        $"Other writers kept changing the session while it was committed; after {maxAttempts} attempts what the request or event wrote to it was not saved.",
                        null);
                }

                // Another writer got there first: lay this one's changes over what it committed.
                (id, entries) = Merge(current, changes, loadedId);
                value = SessionFormat.Write(id, entries);
                expected = current;
            }
        }
        catch
        {
            // A failed commit (the store down, a value it cannot read) leaves no guess behind.
            _committed[stripe]?.Forget();
            throw;
        }
        finally
        {
            turn.Release();
        }
    }

    // What this process committed for one key of a stripe: its latest value, and the hashes of the 256 before it. A
    // commit waits its turn behind the node's other writers of the session, so its load can be as many commits old; a
    // hash that matches by chance only costs a guess that the compare-and-set refuses. Read and written only while the
    // stripe's turn is held.
    private sealed class Commits
    {
        private readonly int[] _earlier = new int[256];
        private string? _key;
        private byte[]? _latest;
        private int _count;
        private int _next;

        // Another key of the stripe starts afresh in the same arrays: sessions that share a stripe allocate nothing.
        public void Add(string key, byte[] value)
        {
            if (_key != key)
            {
                Forget();
                _key = key;
            }
            else if (_latest is not null)
            {
                _earlier[_next] = Hash(_latest);
                _next = (_next + 1) % _earlier.Length;
                _count = Math.Min(_count + 1, _earlier.Length);
            }

            _latest = value;
        }

        public void Forget() => (_key, _latest, _count, _next) = (null, null, 0, 0);

        // The latest value of key when loaded is one of the earlier ones (so this process committed after it), else null.
        public byte[]? Later(string key, byte[]? loaded)
        {
            if (_key != key || loaded is null || _latest is null || InProcessCompareAndSet.SameValue(_latest, loaded))
            {
                return null;
            }

            return Array.IndexOf(_earlier, Hash(loaded), 0, _count) >= 0 ? _latest : null;
        }

        private static int Hash(byte[] value)
        {
            var hash = new HashCode();
            hash.AddBytes(value);
            return hash.ToHashCode();
        }
    }
}
