using System.Reflection;
using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>
/// The subscriber of the shared connection as the SignalR backplane gets it: its subscriptions go through
/// <see cref="Subscriptions.SubscribeAsync"/>, so one that fails leaves no unread queue behind; everything else passes
/// through.
/// </summary>
internal class BackplaneSubscriber : DispatchProxy
{
    private ISubscriber _inner = null!;

    public static ISubscriber For(ISubscriber inner)
    {
        var proxy = Create<ISubscriber, BackplaneSubscriber>();
        ((BackplaneSubscriber)(object)proxy)._inner = inner;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return targetMethod.Name == nameof(ISubscriber.SubscribeAsync) && targetMethod.ReturnType == typeof(Task<ChannelMessageQueue>)
            ? Subscriptions.SubscribeAsync(_inner, (RedisChannel)args![0]!, (CommandFlags)args[1]!)
            : SharedMultiplexer.Forward(targetMethod, _inner, args);
    }
}
