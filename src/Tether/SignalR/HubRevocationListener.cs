using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Tether.Authentication;

namespace Tether.SignalR;

/// <summary>
/// Registers a bridged hub connection with the revocation bus, so that when its sign-in is revoked the client is told
/// (<see cref="TetherHubFilter.SignedOutMethodName"/>) and the connection is closed, or, with
/// <see cref="RevocableSignInOptions.CloseHubConnections"/> off, its next calls simply run as anonymous, which the
/// per-call check guarantees either way.
/// </summary>
/// <remarks>
/// One instance per filter; it keeps no state of its own. The revocation callback runs on the bus's thread, concurrently
/// with the connection's calls, and touches only what SignalR allows from any thread: the caller's client proxy and
/// <see cref="HubCallerContext.Abort"/>.
/// </remarks>
internal sealed partial class HubRevocationListener(ILogger logger, bool closeConnections)
{
    /// <summary>
    /// The connection's sign-in entry on the bus, or <see langword="null"/> when the app did not call
    /// <c>AddRevocableSignIn()</c>.
    /// </summary>
    public ConnectionSignIn? Listen(HubLifetimeContext context)
        => ConnectionSignIn.Create(context.ServiceProvider, OnSignInRevoked(context.Hub.Clients.Caller, context.Context));

    private Action OnSignInRevoked(IClientProxy caller, HubCallerContext connection)
    {
        return () => _ = NotifyAsync();

        async Task NotifyAsync()
        {
            try
            {
                await caller.SendAsync(TetherHubFilter.SignedOutMethodName, connection.ConnectionAborted);
                Log.SignedOut(logger, connection.ConnectionId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.SignedOutNotDelivered(logger, ex);
            }

            if (closeConnections)
            {
                connection.Abort();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.HubSignedOut, LogLevel.Debug, "Told hub connection {ConnectionId} that its sign-in was revoked.", EventName = nameof(EventIds.HubSignedOut))]
        public static partial void SignedOut(ILogger logger, string connectionId);

        [LoggerMessage(EventIds.HubSignedOutNotDelivered, LogLevel.Warning, "A hub client could not be told that its sign-in was revoked; its next call runs as anonymous all the same.", EventName = nameof(EventIds.HubSignedOutNotDelivered))]
        public static partial void SignedOutNotDelivered(ILogger logger, Exception exception);
    }
}
