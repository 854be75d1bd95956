using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// The session commit's compare-and-set on the app's <see cref="RedisCache"/>: one script, so a commit is one round trip
/// (where <see cref="RedisCache.SetAsync"/> sends HSET and EXPIRE), and atomic, since Redis runs a script alone.
/// Thread-safe; one per app.
/// </summary>
/// <remarks>
/// The script writes <see cref="RedisCache"/>'s own layout, as <see cref="RedisCacheBatchReader"/> reads it: a hash of
/// <c>absexp</c> and <c>sldexp</c> (UTC ticks, -1 for none) and <c>data</c>, with the key's time to live set to the
/// sliding window capped by the absolute expiration, as <see cref="RedisCache"/> sets it. A test writes with this and
/// reads with <see cref="RedisCache"/>, so a change of the pinned package's layout fails the build's tests.
/// </remarks>
internal sealed class RedisCacheCompareAndSet(RedisConnection connection, IOptions<RedisCacheOptions> cacheOptions) : IDistributedCacheCompareAndSet
{
    // KEYS[1]: the entry. ARGV: 1 whether a value is expected ('1') or none ('0'), 2 the expected value, 3 absexp,
    // 4 sldexp, 5 the new data, 6 the time to live in milliseconds (0: none). Returns {1} when set; {0, current} or {0}
    // (no entry) when the entry is not the expected one.
    private const string Script = """
        local current = redis.call('HGET', KEYS[1], 'data')
        if ARGV[1] == '1' then
          if current ~= ARGV[2] then
            if current then return {0, current} end
            return {0}
          end
        elseif current then
          return {0, current}
        end
        redis.call('HSET', KEYS[1], 'absexp', ARGV[3], 'sldexp', ARGV[4], 'data', ARGV[5])
        local ttl = tonumber(ARGV[6])
        if ttl > 0 then
          redis.call('PEXPIRE', KEYS[1], ttl)
        else
          redis.call('PERSIST', KEYS[1])
        end
        return {1}
        """;

    private const long NotPresent = -1;
    private readonly string _instance = cacheOptions.Value.InstanceName ?? string.Empty;

    public async Task<(bool Swapped, byte[]? Current)> CompareAndSetAsync(
        string key, byte[]? expected, byte[] value, DistributedCacheEntryOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();

        // RedisCache's expiration values and time to live for the same options.
        var now = DateTimeOffset.UtcNow;
        var absolute = options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : options.AbsoluteExpiration;
        if (absolute <= now)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "The absolute expiration value must be in the future.");
        }

        var ttl = options.SlidingExpiration is { } sliding
            ? (absolute is { } end && end - now < sliding ? end - now : sliding)
            : absolute - now;
        RedisValue[] arguments =
        [
            expected is null ? "0" : "1",
            expected ?? RedisValue.EmptyString,
            absolute?.Ticks ?? NotPresent,
            options.SlidingExpiration?.Ticks ?? NotPresent,
            value,
            ttl is { } live ? Math.Max(1, (long)live.TotalMilliseconds) : 0,
        ];

        var multiplexer = await connection.GetAsync();
        var result = (RedisResult[])(await multiplexer.GetDatabase().ScriptEvaluateAsync(Script, [_instance + key], arguments))!;
        return (int)result[0] == 1 ? (true, value) : (false, result.Length > 1 ? (byte[]?)result[1] : null);
    }
}
