using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
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
/// One instance per filter; it keeps no state of its own (a connection's is its <see cref="HubSignInWatch"/>). A push is
/// answered only once the connection's sign-in, as its latest call left it, is read again from the store and found
/// revoked: a call that changes the password and renews its own sign-in publishes a revocation of the user from inside
/// itself, and a call that signs out publishes its own sign-in's; neither closes its own connection. The answer touches only what SignalR allows from any thread: the
/// caller's client proxy and <see cref="HubCallerContext.Abort"/>.
/// </remarks>
internal sealed partial class HubRevocationListener(ILogger logger, bool closeConnections)
{
    /// <summary>
    /// The connection's sign-in watch, or <see langword="null"/> when the app did not call <c>AddRevocableSignIn()</c>.
    /// </summary>
    public HubSignInWatch? Listen(HubLifetimeContext context)
    {
        if (context.ServiceProvider.GetService<SignInStore>() is not { } store)
        {
            return null;
        }

        var caller = context.Hub.Clients.Caller;
        var connection = context.Context;
        return HubSignInWatch.Create(context.ServiceProvider, store, valid => AnswerAsync(caller, connection, valid));
    }

    // The answer to one pushed revocation, once the connection's calls that were running when it arrived have ended.
    private async Task AnswerAsync(IClientProxy caller, HubCallerContext connection, Func<CancellationToken, Task<bool>> holdsRevoked)
    {
        try
        {
            if (!await holdsRevoked(connection.ConnectionAborted))
            {
                Log.StillSignedIn(logger, connection.ConnectionId);
                return;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Fail closed: a sign-in that cannot be read again is treated as revoked, as the next call's check would.
            Log.RecheckFailed(logger, connection.ConnectionId, ex);
        }

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

    private static partial class Log
    {
        [LoggerMessage(EventIds.HubSignedOut, LogLevel.Debug, "Told hub connection {ConnectionId} that its sign-in was revoked.", EventName = nameof(EventIds.HubSignedOut))]
        public static partial void SignedOut(ILogger logger, string connectionId);

        [LoggerMessage(EventIds.HubSignedOutNotDelivered, LogLevel.Warning, "A hub client could not be told that its sign-in was revoked; its next call runs as anonymous all the same.", EventName = nameof(EventIds.HubSignedOutNotDelivered))]
        public static partial void SignedOutNotDelivered(ILogger logger, Exception exception);

        [LoggerMessage(EventIds.HubStillSignedIn, LogLevel.Debug, "A revocation reached hub connection {ConnectionId}, whose latest call renewed its sign-in or signed out; the connection stays open.", EventName = nameof(EventIds.HubStillSignedIn))]
        public static partial void StillSignedIn(ILogger logger, string connectionId);

        [LoggerMessage(EventIds.HubRecheckFailed, LogLevel.Warning, "Hub connection {ConnectionId} could not re-check its sign-in after a revocation was published; it is told it was signed out.", EventName = nameof(EventIds.HubRecheckFailed))]
        public static partial void RecheckFailed(ILogger logger, string connectionId, Exception exception);
    }
}
