using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Authentication;
using Tether.Events;
using Tether.Handoff;
using Tether.Tiers;

namespace Tether.SignalR;

/// <summary>
/// The hub adapter's hook into SignalR. It runs every invocation of a bridged hub, and its
/// <c>OnConnectedAsync</c>/<c>OnDisconnectedAsync</c>, through the event pipeline, with SignalR's per-invocation scope as
/// the event's services; then the method's <c>[Authorize]</c> data is re-checked against the user of this call, not the
/// one the connection was opened with. What it knows of a method is in its <see cref="HubMethodDescriptor"/>.
/// </summary>
/// <remarks>
/// One instance for the app (a singleton in DI), called from every connection's thread. It keeps no mutable state of its
/// own: each collaborator states its own rule, and a connection's state lives in <see cref="BridgedHubConnection"/>.
/// </remarks>
internal sealed class TetherHubFilter : IHubFilter
{
    /// <summary>The query string key under which clients send the page location when they connect.</summary>
    public const string LocationQueryKey = WireNames.LocationQueryKey;

    /// <summary>The hub method name under which clients report that the page navigated.</summary>
    public const string LocationMethodName = WireNames.Location;

    /// <summary>The client method that tells a client to redeem the cookies an event set: <c>(url, id)</c>.</summary>
    public const string CookiesMethodName = WireNames.Cookies;

    /// <summary>The client method Tether calls when the connection's sign-in was revoked.</summary>
    public const string SignedOutMethodName = WireNames.SignedOut;

    /// <summary>The transport hub events report, in their log scope and to the app's tier resolver.</summary>
    internal const string Transport = "SignalR";

    private const string ComponentHubTypeName = "Microsoft.AspNetCore.Components.Server.ComponentHub";
    private static readonly Type? s_componentHub = typeof(Microsoft.AspNetCore.Components.Server.CircuitOptions).Assembly.GetType(ComponentHubTypeName);

    private readonly TetherOptions _options;
    private readonly HubMethodDescriptors _methods;
    private readonly HubEndpointPolicy _endpoint = new();
    private readonly HubHandoffChannels _handoff;
    private readonly HubEventBridge _bridge;
    private readonly HubRevocationListener _revocation;

    public TetherHubFilter(
        EventBridge bridge,
        CookieHandoff handoff,
        IServiceProvider services,
        IOptions<TetherOptions> options,
        ILogger<TetherHubFilter> logger,
        IOptions<RevocableSignInOptions>? revocation = null)
    {
        _options = options.Value;
        _methods = new HubMethodDescriptors(_options);
        _handoff = new HubHandoffChannels(handoff, services);
        _bridge = new HubEventBridge(bridge, logger);
        _revocation = new HubRevocationListener(logger, revocation?.Value.CloseHubConnections ?? true);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (IsComponentHub(invocationContext.Hub))
        {
            return await next(invocationContext);
        }

        var method = _methods.Of(invocationContext.Hub.GetType(), invocationContext.HubMethod);
        if (method.IsLocationReport)
        {
            ConnectionOf(invocationContext.Context, invocationContext.Hub)
                .SetLocation(invocationContext.HubMethodArguments.Count == 1 ? invocationContext.HubMethodArguments[0] as string : null);
            return null;
        }

        var tier = await _endpoint.TierOfAsync(method, invocationContext.Context, invocationContext.ServiceProvider);
        if (tier == EventTier.None)
        {
            return await UnbridgedEvent.Run(next, invocationContext);
        }

        return await _bridge.InvokeAsync(ConnectionOf(invocationContext.Context, invocationContext.Hub), invocationContext, method, tier, next);
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        if (IsComponentHub(context.Hub))
        {
            return next(context);
        }

        var connection = ConnectionOf(context.Context, context.Hub);
        connection.SignIn ??= _revocation.Listen(context);
        return ConnectAsync(connection, context, next);
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (IsComponentHub(context.Hub) || BridgedHubConnection.Find(context.Context) is not { } connection)
        {
            return next(context, exception);
        }

        connection.SignIn?.Dispose();
        return RunLifetimeAsync(connection, context, nameof(Hub.OnDisconnectedAsync), c => next(c, exception));
    }

    private async Task ConnectAsync(BridgedHubConnection connection, HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await RunLifetimeAsync(connection, context, nameof(Hub.OnConnectedAsync), next);
        }
        catch
        {
            // The connection fails to open and OnDisconnectedAsync will not run: it must not stay registered.
            connection.SignIn?.Dispose();
            throw;
        }
    }

    // Connects and disconnects take the hub's own tier.
    private async Task RunLifetimeAsync(BridgedHubConnection connection, HubLifetimeContext context, string method, Func<HubLifetimeContext, Task> next)
    {
        var tier = await _endpoint.TierOfAsync(_methods.OfLifetime(context.Hub.GetType()), context.Context, context.ServiceProvider);
        if (tier == EventTier.None)
        {
            await UnbridgedEvent.Run(next, context);
            return;
        }

        await _bridge.RunLifetimeAsync(connection, context, method, tier, next);
    }

    // Tether's state of the connection, created on its first event, with its cookie handoff channel once the handoff is on.
    private BridgedHubConnection ConnectionOf(HubCallerContext caller, Hub hub)
    {
        var connection = BridgedHubConnection.GetOrCreate(caller, _options);
        _handoff.EnsureAttached(connection, caller, hub.GetType());
        return connection;
    }

    // By type, not name: a reference comparison on every hub call.
    private static bool IsComponentHub(Hub hub) => s_componentHub is { } componentHub && hub.GetType() == componentHub;
}
