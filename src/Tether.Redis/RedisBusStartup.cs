using Microsoft.Extensions.Hosting;
using Tether.Authentication;

namespace Tether.Redis;

/// <summary>Subscribes the Redis revocation bus when the app starts, so it hears other nodes before its first connection.</summary>
internal sealed class RedisBusStartup(ISignInRevocationBus bus) : IHostedService
{
    // A failed subscription is logged and retried on reconnect by the bus; the app starts either way.
    public Task StartAsync(CancellationToken cancellationToken)
        => bus is RedisSignInRevocationBus redis ? redis.EnsureSubscribedAsync() : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
