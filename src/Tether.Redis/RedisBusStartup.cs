using Microsoft.Extensions.Hosting;
using Tether.Authentication;

namespace Tether.Redis;

/// <summary>
/// Subscribes the Redis revocation bus when the app starts, so it hears other nodes before its first connection, and
/// opens the near cache's invalidation link, so the first events can already be served from it.
/// </summary>
internal sealed class RedisBusStartup(ISignInRevocationBus bus, NearCache nearCache) : IHostedService
{
    // A failed subscription is logged and retried on reconnect by the bus; the app starts either way. The link connects in
    // the background and retries by itself.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        nearCache.EnsureStarted();
        return bus is RedisSignInRevocationBus redis ? redis.EnsureSubscribedAsync() : Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
