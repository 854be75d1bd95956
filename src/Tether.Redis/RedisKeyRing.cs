using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// The Data Protection key ring in Redis, which puts back what Redis lost. It keeps the layout of Data Protection's own
/// <c>RedisXmlRepository</c> (one list, <c>{prefix}:DataProtection-Keys</c>, one serialized element per item), so a ring that
/// package wrote reads here, and the other way round.
/// </summary>
/// <remarks>
/// A running node keeps its key ring in memory, and Data Protection re-reads it only every 24 hours (or, for an unknown key,
/// in the 2 minutes after start: dotnet/aspnetcore#3975). A Redis that comes back empty would leave the running nodes on
/// the old key and have a node started after the return make a new one, which the others cannot read. So this node
/// remembers every element it has read or stored, and whenever it finds some of them missing from Redis (at each read of
/// the ring, and when <see cref="KeyRingWatch"/> asks: <see cref="CheckAsync"/>) it writes them back, as <see cref="StoreElement"/> writes a new
/// one. A key is only ever appended, by one atomic script that skips what the list already holds: two nodes restoring
/// the same key at once store it once (Data Protection refuses a ring that holds a key id twice). A consequence: a
/// key deleted from Redis while a node that knows it runs comes back; retire keys by revoking them, never by deleting.
/// Thread-safe.
/// </remarks>
internal sealed partial class RedisKeyRing(RedisConnection connection, ILogger<RedisKeyRing> logger) : IXmlRepository
{
    // KEYS[1]: the list. ARGV: serialized elements. Appends each one the list does not hold yet; returns how many it appended.
    private const string AppendMissing = """
        local present = {}
        for _, value in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
          present[value] = true
        end
        local appended = 0
        for _, value in ipairs(ARGV) do
          if not present[value] then
            redis.call('RPUSH', KEYS[1], value)
            present[value] = true
            appended = appended + 1
          end
        end
        return appended
        """;

    private readonly RedisKey _key = connection.Prefix + ":DataProtection-Keys";
    private readonly Lock _lock = new();
    private readonly List<string> _known = [];
    private readonly HashSet<string> _knownSet = new(StringComparer.Ordinal);

    /// <summary>Raised after this node appended to the ring in Redis (a new element, or restored ones): other nodes should re-read it.</summary>
    public event Action? Written;

    /// <summary>Raised when a check found elements in Redis this node did not know: its cached key ring should be re-read.</summary>
    public event Action? Learned;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var database = connection.Get().GetDatabase();
        RedisValue[] inRedis;
        try
        {
            inRedis = database.ListRange(_key);
        }
        catch (RedisException ex)
        {
            // Redis is down while Data Protection re-reads the ring (its refresh, or a re-read this node asked for): the
            // ring this node last read or stored is the ring, so pages keep being protected and read during the outage.
            // A node that never read the ring has nothing to offer and fails as before.
            string[] known;
            lock (_lock)
            {
                known = [.. _known];
            }

            if (known.Length == 0)
            {
                throw;
            }

            Log.ServedFromMemory(logger, _key.ToString(), known.Length, ex.Message);
            return [.. known.Select(XElement.Parse)];
        }

        var (ring, missing, _) = Compare(inRedis);
        if (missing.Length > 0)
        {
            Restored(missing, (long)database.ScriptEvaluate(AppendMissing, [_key], missing));
        }

        return [.. ring.Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var value = element.ToString(SaveOptions.DisableFormatting);
        connection.Get().GetDatabase().ScriptEvaluate(AppendMissing, [_key], [value]);

        // Remembered once Redis took it: a key whose store failed was never used, so it is never written back either.
        lock (_lock)
        {
            Remember(value);
        }

        Written?.Invoke();
    }

    /// <summary>
    /// Compares the ring in Redis with what this node holds: writes back what Redis lacks, and raises <see cref="Learned"/>
    /// when Redis holds what this node lacks.
    /// </summary>
    public async Task CheckAsync()
    {
        var database = (await connection.GetAsync()).GetDatabase();
        var (_, missing, learned) = Compare(await database.ListRangeAsync(_key));
        if (missing.Length > 0)
        {
            Restored(missing, (long)await database.ScriptEvaluateAsync(AppendMissing, [_key], missing));
        }

        if (learned)
        {
            Log.Learned(logger, _key.ToString());
            Learned?.Invoke();
        }
    }

    // The ring: what Redis holds (each element once), then what this node holds and Redis lacks; and whether Redis held
    // anything this node did not know.
    private (List<string> Ring, RedisValue[] Missing, bool Learned) Compare(RedisValue[] inRedis)
    {
        var ring = new List<string>(inRedis.Length);
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var value in inRedis)
        {
            if (value.HasValue && present.Add(value!))
            {
                ring.Add(value!);
            }
        }

        var learned = false;
        List<string> missing;
        lock (_lock)
        {
            foreach (var value in ring)
            {
                learned |= Remember(value);
            }

            missing = [.. _known.Where(value => !present.Contains(value))];
        }

        ring.AddRange(missing);
        return (ring, [.. missing.Select(value => (RedisValue)value)], learned);
    }

    private void Restored(RedisValue[] missing, long appended)
    {
        Log.Restored(logger, missing.Length, _key.ToString(), appended);
        Written?.Invoke();
    }

    private bool Remember(string value)
    {
        if (!_knownSet.Add(value))
        {
            return false;
        }

        _known.Add(value);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.KeyRingRestored, LogLevel.Warning,
            "The Data Protection key ring in Redis ({Key}) lacked {Count} element(s) this node holds (Redis restarted empty, or the key was deleted); "
            + "this node wrote them back ({Appended} appended), so cookies protected before stay readable on every node.")]
        public static partial void Restored(ILogger logger, int count, string key, long appended);

        [LoggerMessage(EventIds.KeyRingLearned, LogLevel.Information,
            "The Data Protection key ring in Redis ({Key}) holds keys this node had not loaded; it re-reads its key ring now.")]
        public static partial void Learned(ILogger logger, string key);

        [LoggerMessage(EventIds.KeyRingServedFromMemory, LogLevel.Warning,
            "The Data Protection key ring in Redis ({Key}) could not be read ({Reason}); this node uses the {Count} element(s) it last read or stored until Redis answers.")]
        public static partial void ServedFromMemory(ILogger logger, string key, int count, string reason);
    }
}
