using System.Reflection;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>A database of the shared connection whose <see cref="IRedisAsync.Multiplexer"/> is the <see cref="SharedMultiplexer"/>.</summary>
internal class SharedDatabase : DispatchProxy
{
    private IDatabase _inner = null!;
    private IConnectionMultiplexer _multiplexer = null!;

    public static IDatabase For(IDatabase inner, IConnectionMultiplexer multiplexer)
    {
        var proxy = Create<IDatabase, SharedDatabase>();
        var shared = (SharedDatabase)(object)proxy;
        shared._inner = inner;
        shared._multiplexer = multiplexer;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name == "get_" + nameof(IRedisAsync.Multiplexer)
            ? _multiplexer
            : SharedMultiplexer.Forward(targetMethod, _inner, args);
    }
}
