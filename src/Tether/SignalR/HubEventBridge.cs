using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Tether.Events;

namespace Tether.SignalR;

/// <summary>
/// Runs one bridged hub event, a call or a connect or disconnect, through the event bridge with SignalR's
/// per-invocation scope as the event's services, and turns what became of it into SignalR's terms: a call the pipeline
/// refused is a <see cref="HubException"/> (SignalR logs any other exception a filter throws at Error, as
/// <c>DefaultHubDispatcher</c>'s event 8), and a connect it refused closes the connection.
/// </summary>
/// <remarks>
/// One instance per filter; it keeps no state of its own. Each event's result lives in its own method's locals, and the
/// connection's sign-in is updated from the event's flow, after the bridge returned.
/// </remarks>
internal sealed partial class HubEventBridge(EventBridge bridge, ILogger logger)
{
    /// <summary>Runs one call: the event pipeline, then the method's per-call authorization, then the method.</summary>
    /// <returns>The method's result.</returns>
    /// <exception cref="HubException">The pipeline refused the call, the user may not make it, or the session store failed.</exception>
    public async ValueTask<object?> InvokeAsync(
        BridgedHubConnection connection,
        HubInvocationContext invocation,
        HubMethodDescriptor method,
        EventTier tier,
        Func<HubInvocationContext, ValueTask<object?>> next)
    {
        var request = connection.Request;
        object? result = null;
        EventOutcome? ran = null;
        connection.SignIn?.CallStarting();
        try
        {
            ran = await bridge.RunAsync(
                new EventOrigin(TetherHubFilter.Transport, invocation.Context.ConnectionId, "HubMethod", invocation.HubMethodName),
                request,
                connection.Connection,
                async context =>
                {
                    await HubCallAuthorization.AuthorizeAsync(context, invocation, method);
                    result = await next(invocation);
                },
                invocation.ServiceProvider,
                invocation.Context.ConnectionAborted,
                tier,
                method.Endpoint.For(invocation.Context.GetHttpContext()?.GetEndpoint()));
        }
        catch (SessionUnavailableException ex)
        {
            Log.SessionUnavailable(logger, invocation.HubMethodName, ex);
            throw new HubException(ex.HandlerRan
                ? $"'{invocation.HubMethodName}' ran, but the session store was unavailable: its session changes may not have been saved."
                : $"'{invocation.HubMethodName}' was not run: the session store is unavailable.");
        }
        finally
        {
            // A revocation pushed during the call (the call itself may have published it) is answered before its result
            // is sent, from the sign-in the call ended with.
            if (connection.SignIn is { } signIn)
            {
                await signIn.CallEndedAsync(ran);
            }
        }

        var outcome = ran.Value;
        if (!outcome.HandlerRan)
        {
            throw new HubException(request.LocationRejected
                ? $"The call to '{invocation.HubMethodName}' was refused: the page location the client reported is not a path on this app."
                : $"The call to '{invocation.HubMethodName}' was denied by the event pipeline ({outcome.StatusCode}{(outcome.Location is null ? string.Empty : " to " + outcome.Location)}).");
        }

        return result;
    }

    /// <summary>Runs a connect or disconnect (<paramref name="method"/> names it) through the event pipeline.</summary>
    public async Task RunLifetimeAsync(
        BridgedHubConnection connection,
        HubLifetimeContext context,
        string method,
        EventTier tier,
        Func<HubLifetimeContext, Task> next)
    {
        EventOutcome? ran = null;
        connection.SignIn?.CallStarting();
        try
        {
            ran = await bridge.RunAsync(
                new EventOrigin(TetherHubFilter.Transport, context.Context.ConnectionId, "HubMethod", method),
                connection.Request,
                connection.Connection,
                _ => next(context),
                context.ServiceProvider,
                CancellationToken.None,
                tier,
                context.Context.GetHttpContext()?.GetEndpoint());
        }
        finally
        {
            if (connection.SignIn is { } signIn)
            {
                await signIn.CallEndedAsync(ran);
            }
        }

        if (!ran.Value.HandlerRan)
        {
            // A connection the event pipeline refuses is closed rather than left half-initialized.
            context.Context.Abort();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.HubSessionUnavailable, LogLevel.Warning, "The session store was unavailable during the hub call '{Method}'.", EventName = nameof(EventIds.HubSessionUnavailable))]
        public static partial void SessionUnavailable(ILogger logger, string method, Exception exception);
    }
}
