using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// Reads several entries of the app's <see cref="RedisCache"/> with one script, so an event's session and sign-in records
/// cost one round trip instead of two per entry (<see cref="RedisCache"/> reads a hash, then slides its expiration).
/// </summary>
/// <remarks>
/// The script reads <see cref="RedisCache"/>'s own layout (a hash of <c>absexp</c>, <c>sldexp</c> and <c>data</c>, its
/// expirations in UTC ticks, -1 for none) and slides each entry as <see cref="RedisCache"/>'s <c>GetAsync</c> does: to
/// the sliding window, capped by the absolute expiration. The layout is the pinned package's; a test writes with
/// <see cref="RedisCache"/> and reads with this, so a change of layout fails the build's tests, not users' sessions.
/// </remarks>
internal sealed class RedisCacheBatchReader(RedisConnection connection, IOptions<RedisCacheOptions> cacheOptions) : IDistributedCacheBatchReader
{
    // KEYS: the entries. ARGV[1]: now, in UTC ticks. Returns each entry's data, or false (a null reply) when it is absent.
    private const string Script = """
        local now = tonumber(ARGV[1])
        local result = {}
        for i, key in ipairs(KEYS) do
          local entry = redis.call('HMGET', key, 'absexp', 'sldexp', 'data')
          if entry[3] then
            local sliding = tonumber(entry[2])
            if sliding and sliding > 0 then
              local timeout = sliding
              local absolute = tonumber(entry[1])
              if absolute and absolute > 0 and absolute - now < timeout then
                timeout = absolute - now
              end
              local milliseconds = math.floor(timeout / 10000)
              if milliseconds > 0 then
                redis.call('PEXPIRE', key, milliseconds)
              end
            end
            result[i] = entry[3]
          else
            result[i] = false
          end
        end
        return result
        """;

    private readonly string _instance = cacheOptions.Value.InstanceName ?? string.Empty;
    private bool? _cluster;

    public async Task<byte[]?[]> GetManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var redisKeys = new RedisKey[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            redisKeys[i] = _instance + keys[i];
        }

        var multiplexer = await connection.GetAsync();
        var database = multiplexer.GetDatabase();
        RedisValue[] now = [DateTimeOffset.UtcNow.UtcTicks];
        var values = new byte[]?[keys.Count];
        if (IsCluster(multiplexer))
        {
            // A cluster refuses a script over keys of different hash slots: one script per key, sent together.
            var reads = new Task<RedisResult>[redisKeys.Length];
            for (var i = 0; i < redisKeys.Length; i++)
            {
                reads[i] = database.ScriptEvaluateAsync(Script, [redisKeys[i]], now);
            }

            await Task.WhenAll(reads);
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Value(((RedisResult[])reads[i].Result!)[0]);
            }

            return values;
        }

        var entries = (RedisResult[])(await database.ScriptEvaluateAsync(Script, redisKeys, now))!;
        for (var i = 0; i < values.Length && i < entries.Length; i++)
        {
            values[i] = Value(entries[i]);
        }

        return values;
    }

    private static byte[]? Value(RedisResult entry) => entry.IsNull ? null : (byte[]?)entry;

    // Known once a server has answered; until then a script over several keys is tried (and fails, as the read would).
    private bool IsCluster(IConnectionMultiplexer multiplexer)
    {
        if (_cluster is { } known)
        {
            return known;
        }

        var servers = multiplexer.GetServers().Where(server => server.IsConnected).ToList();
        if (servers.Count == 0)
        {
            return false;
        }

        _cluster = servers.Any(server => server.ServerType == ServerType.Cluster);
        return _cluster.Value;
    }
}
