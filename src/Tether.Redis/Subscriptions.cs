using StackExchange.Redis;

namespace Tether.Redis;

/// <summary>Subscribing on the shared connection without leaving a queue behind that nobody reads.</summary>
internal static class Subscriptions
{
    /// <summary>
    /// <see cref="ISubscriber.SubscribeAsync(RedisChannel, CommandFlags)"/>, which on failure also drops what it
    /// registered: StackExchange.Redis adds the new queue to the connection's subscriptions before it asks the server,
    /// and keeps it when the server cannot be asked. The caller never sees that queue, yet the connection subscribes it
    /// again after every reconnect and fills it with every message of the channel, unread and unbounded.
    /// </summary>
    /// <remarks>
    /// Every caller subscribes a channel that it alone uses on this connection (a backplane's channels carry their hub
    /// type and server name, Tether's its own name), so dropping the channel's whole local record drops only that queue.
    /// </remarks>
    public static async Task<ChannelMessageQueue> SubscribeAsync(ISubscriber subscriber, RedisChannel channel, CommandFlags flags = CommandFlags.None)
    {
        try
        {
            return await subscriber.SubscribeAsync(channel, flags);
        }
        catch (Exception ex) when (ex is RedisConnectionException or RedisTimeoutException)
        {
            try
            {
                // Local first; the server is told only if it had confirmed the subscription (it then has it no more).
                await subscriber.UnsubscribeAsync(channel, handler: null, CommandFlags.FireAndForget);
            }
            catch (Exception unsubscribe) when (unsubscribe is RedisConnectionException or RedisTimeoutException)
            {
                // The local record is gone before the server is asked; the server drops its own as the link drops.
            }

            throw;
        }
    }
}
