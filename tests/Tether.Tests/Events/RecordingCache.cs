using System.Collections.Concurrent;
using Microsoft.Extensions.Caching.Distributed;

namespace Tether.Tests.Events;

/// <summary>
/// The real distributed memory cache, plus a record of the keys written to it, so tests can count session entries. A
/// test can take it down (every call fails, like a store that is down), make the reads of some keys fail, or hold a
/// write back: a slow store, on demand. The one fake cache of the core and browser tests.
/// </summary>
public sealed class RecordingCache(IDistributedCache inner) : IDistributedCache
{
    private volatile bool _down;
    private volatile string? _unreadable;
    private Hold? _held;

    public ConcurrentDictionary<string, int> Writes { get; } = new();

    public int Reads;

    public int Refreshes;

    /// <summary>The whole store is down: every call fails.</summary>
    public bool Down
    {
        get => _down;
        set => _down = value;
    }

    /// <summary>The keys under this prefix can still be written, but reading or removing them fails.</summary>
    public string? UnreadablePrefix
    {
        get => _unreadable;
        set => _unreadable = value;
    }

    /// <summary>Holds the next write of a key under <paramref name="prefix"/> until the returned action releases it.</summary>
    public Action HoldNextWrite(string prefix)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _held, new Hold(prefix, gate));
        return () => gate.TrySetResult();
    }

    public byte[]? Get(string key) => Unreadable(key) ? throw Failure() : inner.Get(key);

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        Interlocked.Increment(ref Reads);
        return Unreadable(key) ? Task.FromException<byte[]?>(Failure()) : inner.GetAsync(key, token);
    }

    public void Refresh(string key)
    {
        Interlocked.Increment(ref Refreshes);
        if (Down)
        {
            throw Failure();
        }

        inner.Refresh(key);
    }

    public Task RefreshAsync(string key, CancellationToken token = default)
    {
        Interlocked.Increment(ref Refreshes);
        return Down ? Task.FromException(Failure()) : inner.RefreshAsync(key, token);
    }

    public void Remove(string key)
    {
        if (Unreadable(key))
        {
            throw Failure();
        }

        inner.Remove(key);
    }

    public Task RemoveAsync(string key, CancellationToken token = default)
        => Unreadable(key) ? Task.FromException(Failure()) : inner.RemoveAsync(key, token);

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        if (Down)
        {
            throw Failure();
        }

        Writes.AddOrUpdate(key, 1, (_, n) => n + 1);
        inner.Set(key, value, options);
    }

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        if (Down)
        {
            throw Failure();
        }

        if (Volatile.Read(ref _held) is { } held && key.StartsWith(held.Prefix, StringComparison.Ordinal)
            && Interlocked.CompareExchange(ref _held, null, held) == held)
        {
            await held.Gate.Task;
        }

        Writes.AddOrUpdate(key, 1, (_, n) => n + 1);
        await inner.SetAsync(key, value, options, token);
    }

    private bool Unreadable(string key) => Down || (UnreadablePrefix is { } prefix && key.StartsWith(prefix, StringComparison.Ordinal));

    private static InvalidOperationException Failure() => new("The store is down.");

    private sealed record Hold(string Prefix, TaskCompletionSource Gate);
}
