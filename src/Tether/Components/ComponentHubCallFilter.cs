using Microsoft.AspNetCore.SignalR;

namespace Tether.Components;

/// <summary>
/// Tags each call to Blazor's <c>ComponentHub</c> with its method name and connection, for
/// <see cref="TetherCircuitHandler"/>. It does not bridge anything itself: the hub call only queues the circuit's work,
/// which runs after the call returns, so a hub filter cannot wrap a Blazor event (dotnet/aspnetcore#30115).
/// </summary>
/// <remarks>Concurrency: stateless, one for all hub calls; what it learns goes on the call's own async flow.</remarks>
internal sealed class ComponentHubCallFilter : IHubFilter
{
    public ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        // By type, not name: a reference comparison on every hub call. (A hub of another name never gets here when the
        // framework has no ComponentHub: the start-up check names the problem first.)
        if (ComponentHubContract.HubType is { } hubType && invocationContext.Hub.GetType() == hubType)
        {
            ComponentHubCall.Tag(invocationContext);
        }

        return next(invocationContext);
    }
}
