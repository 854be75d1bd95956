using System.Reflection;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// The shared connection as handed to <c>RedisCache</c> and the SignalR backplane: everything passes through except
/// closing and disposing, which only <see cref="RedisConnection"/> (its owner) does, and subscribing, which leaves no
/// unread queue behind when it fails (<see cref="BackplaneSubscriber"/>).
/// </summary>
/// <remarks>
/// Both close the multiplexer their factory returned: <c>RedisCache</c> when it is disposed or, with its force-reconnect
/// switch on, after a connection error; <c>RedisHubLifetimeManager</c> when it is disposed. On the shared connection that
/// would end the key ring, the revocation bus and the batch reader with it.
/// </remarks>
internal class SharedMultiplexer : DispatchProxy
{
    private IConnectionMultiplexer _inner = null!;

    public static IConnectionMultiplexer For(IConnectionMultiplexer inner)
    {
        var proxy = Create<IConnectionMultiplexer, SharedMultiplexer>();
        ((SharedMultiplexer)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        switch (targetMethod.Name)
        {
            case nameof(IDisposable.Dispose):
            case nameof(IConnectionMultiplexer.Close):
                return null;
            case nameof(IAsyncDisposable.DisposeAsync):
                return ValueTask.CompletedTask;
            case nameof(IConnectionMultiplexer.CloseAsync):
                return Task.CompletedTask;
        }

        var result = Forward(targetMethod, _inner, args);

        // RedisCache closes "its" connection through the database it got (IDatabase.Multiplexer): that one must be this.
        return result switch
        {
            IDatabase database => SharedDatabase.For(database, (IConnectionMultiplexer)(object)this),
            ISubscriber subscriber => BackplaneSubscriber.For(subscriber),
            _ => result,
        };
    }

    internal static object? Forward(MethodInfo method, object target, object?[]? args)
    {
        try
        {
            return method.Invoke(target, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }
}
