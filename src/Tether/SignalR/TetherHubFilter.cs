using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Authentication;
using Tether.Handoff;

namespace Tether.SignalR;

/// <summary>
/// Runs every invocation of a bridged hub, and its <c>OnConnectedAsync</c>/<c>OnDisconnectedAsync</c>, through the
/// event pipeline, with SignalR's per-invocation scope as the event's services. Then it re-checks the method's
/// <c>[Authorize]</c> data against the user of this call, not the one the connection was opened with.
/// </summary>
internal sealed partial class TetherHubFilter(
    EventBridge bridge,
    CookieHandoff handoff,
    IServiceProvider services,
    IOptions<TetherOptions> options,
    ILogger<TetherHubFilter> logger,
    IOptions<RevocableSignInOptions>? revocation = null) : IHubFilter
{
    /// <summary>The query string key under which clients send the page location when they connect.</summary>
    public const string LocationQueryKey = WireNames.LocationQueryKey;

    /// <summary>The hub method name under which clients report that the page navigated.</summary>
    public const string LocationMethodName = WireNames.Location;

    /// <summary>The client method that tells a client to redeem the cookies an event set: <c>(url, id)</c>.</summary>
    public const string CookiesMethodName = WireNames.Cookies;

    /// <summary>The client method Tether calls when the connection's sign-in was revoked.</summary>
    public const string SignedOutMethodName = WireNames.SignedOut;

    private const string Transport = "SignalR";

    private const string ComponentHubTypeName = "Microsoft.AspNetCore.Components.Server.ComponentHub";

    private static readonly ConcurrentDictionary<(Type Hub, MethodInfo Method), IAuthorizeData[]> s_authorizeData = new();

    private readonly TetherOptions _options = options.Value;
    private readonly ConcurrentDictionary<Type, IHubContext<Hub>> _hubContexts = new();
    private readonly ConcurrentDictionary<(Type Hub, MethodInfo? Method), EventTier> _tiers = new();
    private readonly bool _closeOnRevocation = revocation?.Value.CloseHubConnections ?? true;
    private bool? _hasFallbackPolicy;

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        if (IsComponentHub(invocationContext.Hub))
        {
            return await next(invocationContext);
        }

        if (IsLocationMethod(invocationContext.HubMethod))
        {
            Connect(invocationContext.Context, invocationContext.Hub)
                .SetLocation(invocationContext.HubMethodArguments.Count == 1 ? invocationContext.HubMethodArguments[0] as string : null);
            return null;
        }

        var tier = TierOf(invocationContext.Hub.GetType(), invocationContext.HubMethod);
        if (tier == EventTier.None && await EndpointRequiresAuthorizationAsync(invocationContext.Context, invocationContext.ServiceProvider))
        {
            tier = EventTier.AuthOnly;
        }

        if (tier == EventTier.None)
        {
            // No bridge: no context, no store read, and nothing an earlier call's flow left behind.
            AmbientContext.Suppress();
            return await next(invocationContext);
        }

        var state = Connect(invocationContext.Context, invocationContext.Hub);

        var request = state.Request;
        object? result = null;
        EventOutcome outcome;
        try
        {
            outcome = await bridge.RunAsync(
                new EventOrigin(Transport, invocationContext.Context.ConnectionId, "HubMethod", invocationContext.HubMethodName),
                request,
                state.Connection,
                async context =>
                {
                    await AuthorizeAsync(context, invocationContext);
                    result = await next(invocationContext);
                },
                invocationContext.ServiceProvider,
                invocationContext.Context.ConnectionAborted,
                tier);
        }
        catch (SessionUnavailableException ex)
        {
            Log.SessionUnavailable(logger, invocationContext.HubMethodName, ex);
            throw new HubException(ex.HandlerRan
                ? $"'{invocationContext.HubMethodName}' ran, but the session store was unavailable: its session changes may not have been saved."
                : $"'{invocationContext.HubMethodName}' was not run: the session store is unavailable.");
        }

        state.SignIn?.Follow(outcome);
        if (!outcome.HandlerRan)
        {
            throw new HubException(request.LocationRejected
                ? $"The call to '{invocationContext.HubMethodName}' was refused: the page location the client reported is not a path on this app."
                : $"The call to '{invocationContext.HubMethodName}' was denied by the event pipeline ({outcome.StatusCode}{(outcome.Location is null ? string.Empty : " to " + outcome.Location)}).");
        }

        return result;
    }

    public Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        if (IsComponentHub(context.Hub))
        {
            return next(context);
        }

        var state = Connect(context.Context, context.Hub);
        state.SignIn ??= ConnectionSignIn.Create(context.ServiceProvider, OnSignInRevoked(context.Hub.Clients.Caller, context.Context));
        return ConnectAsync(state, context, next);
    }

    private async Task ConnectAsync(BridgedHubConnection state, HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        try
        {
            await RunLifetimeAsync(state, context, nameof(Hub.OnConnectedAsync), next);
        }
        catch
        {
            // The connection fails to open and OnDisconnectedAsync will not run: it must not stay registered.
            state.SignIn?.Dispose();
            throw;
        }
    }

    // Called by the revocation bus: the client is told, then the connection is closed (or its next calls simply run as
    // anonymous, which the per-call check guarantees either way).
    private Action OnSignInRevoked(IClientProxy caller, HubCallerContext connection)
    {
        return () => _ = NotifyAsync();

        async Task NotifyAsync()
        {
            try
            {
                await caller.SendAsync(SignedOutMethodName, connection.ConnectionAborted);
                Log.SignedOut(logger, connection.ConnectionId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.SignedOutNotDelivered(logger, ex);
            }

            if (_closeOnRevocation)
            {
                connection.Abort();
            }
        }
    }

    public Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        if (IsComponentHub(context.Hub) || BridgedHubConnection.Find(context.Context) is not { } state)
        {
            return next(context, exception);
        }

        state.SignIn?.Dispose();
        return RunLifetimeAsync(state, context, nameof(Hub.OnDisconnectedAsync), c => next(c, exception));
    }

    private BridgedHubConnection Connect(HubCallerContext caller, Hub hub)
    {
        var state = BridgedHubConnection.GetOrCreate(caller, _options);
        if (state.Connection.Handoff is null && handoff.Enabled)
        {
            // The client is told through the hub's context rather than the hub instance, which is gone after the call.
            var hubContext = _hubContexts.GetOrAdd(hub.GetType(), static (type, sp) =>
                (IHubContext<Hub>)sp.GetRequiredService(typeof(IHubContext<>).MakeGenericType(type)), services);
            var connectionId = caller.ConnectionId;
            if (handoff.CreateChannel(state.Request, (url, id) => hubContext.Clients.Client(connectionId).SendAsync(CookiesMethodName, url, id)) is { } channel)
            {
                state.Connection.AttachHandoff(channel);
            }
        }

        return state;
    }

    private async Task RunLifetimeAsync(BridgedHubConnection state, HubLifetimeContext context, string method, Func<HubLifetimeContext, Task> next)
    {
        // Connects and disconnects take the hub's own tier.
        var tier = TierOf(context.Hub.GetType(), null);
        if (tier == EventTier.None && await EndpointRequiresAuthorizationAsync(context.Context, context.ServiceProvider))
        {
            tier = EventTier.AuthOnly;
        }

        if (tier == EventTier.None)
        {
            AmbientContext.Suppress();
            await next(context);
            return;
        }

        var outcome = await bridge.RunAsync(
            new EventOrigin(Transport, context.Context.ConnectionId, "HubMethod", method),
            state.Request,
            state.Connection,
            _ => next(context),
            context.ServiceProvider,
            CancellationToken.None,
            tier);
        state.SignIn?.Follow(outcome);
        if (!outcome.HandlerRan)
        {
            // A connection the event pipeline refuses is closed rather than left half-initialized.
            context.Context.Abort();
        }
    }

    private static async Task AuthorizeAsync(HttpContext context, HubInvocationContext invocation)
    {
        var authorizeData = s_authorizeData.GetOrAdd((invocation.Hub.GetType(), invocation.HubMethod), static key => AuthorizeDataOf(key.Hub, key.Method));
        if (authorizeData.Length == 0)
        {
            return;
        }

        var services = context.RequestServices;
        var policyProvider = services.GetRequiredService<IAuthorizationPolicyProvider>();
        var policy = await AuthorizationPolicy.CombineAsync(policyProvider, authorizeData);
        if (policy is null)
        {
            return;
        }

        var result = await services.GetRequiredService<IAuthorizationService>().AuthorizeAsync(context.User, invocation, policy);
        if (!result.Succeeded)
        {
            throw new HubException(context.User.Identity?.IsAuthenticated == true
                ? $"Access to '{invocation.HubMethodName}' was denied: the signed-in user does not meet its authorization policy."
                : $"Access to '{invocation.HubMethodName}' was denied: this call is not signed in.");
        }
    }

    // A method's [EventTier] wins over its hub's, either over the resolver and the default. Calls the per-call [Authorize]
    // check applies to, and uploads (a stream from the client), run at least auth-only.
    private EventTier TierOf(Type hub, MethodInfo? method) => _tiers.GetOrAdd((hub, method), static (key, self) => EventTiers.Resolve(
        self._options,
        new EventTierContext(Transport, key.Hub, key.Method, null),
        key.Method?.GetCustomAttribute<EventTierAttribute>(inherit: true) ?? key.Hub.GetCustomAttribute<EventTierAttribute>(inherit: true),
        key.Method is { } m
            ? s_authorizeData.GetOrAdd((key.Hub, m), static k => AuthorizeDataOf(k.Hub, k.Method)).Length > 0 || IsUpload(m)
            : key.Hub.GetCustomAttributes(inherit: true).OfType<IAuthorizeData>().Any()),
        this);

    // The hub's endpoint may require authorization where its class says nothing (MapHub<T>(...).RequireAuthorization(), or
    // the app's fallback policy): its calls then run at least auth-only too, so a revoked user is never let through unchecked.
    private async ValueTask<bool> EndpointRequiresAuthorizationAsync(HubCallerContext caller, IServiceProvider services)
    {
        var metadata = caller.GetHttpContext()?.GetEndpoint()?.Metadata;
        if (metadata?.GetMetadata<IAllowAnonymous>() is not null)
        {
            return false;
        }

        if (metadata?.GetMetadata<IAuthorizeData>() is not null || metadata?.GetMetadata<AuthorizationPolicy>() is not null)
        {
            return true;
        }

        _hasFallbackPolicy ??= services.GetService<IAuthorizationPolicyProvider>() is { } provider && await provider.GetFallbackPolicyAsync() is not null;
        return _hasFallbackPolicy.Value;
    }

    private static bool IsUpload(MethodInfo method) => method.GetParameters().Any(static p => p.ParameterType.IsGenericType
        && p.ParameterType.GetGenericTypeDefinition() is var definition
        && (definition == typeof(System.Threading.Channels.ChannelReader<>) || definition == typeof(IAsyncEnumerable<>)));

    private static IAuthorizeData[] AuthorizeDataOf(Type hub, MethodInfo method)
    {
        if (method.IsDefined(typeof(AllowAnonymousAttribute), inherit: true))
        {
            return [];
        }

        // Method data only: SignalR checks hub-level [Authorize] at the handshake, and the per-call user is checked
        // against the method's own requirements here. Hub-level data is combined in too so a revoked user loses
        // access to every method of an [Authorize] hub.
        return [.. method.GetCustomAttributes(inherit: true).OfType<IAuthorizeData>(),
            .. hub.GetCustomAttributes(inherit: true).OfType<IAuthorizeData>()];
    }

    // HubInvocationContext.HubMethodName is the C# name, not the [HubMethodName] alias clients call.
    private static bool IsLocationMethod(MethodInfo method)
        => method.Name == nameof(AppHub.SetLocation) && method.DeclaringType is { } type
            && (type == typeof(AppHub) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(AppHub<>)));

    private static bool IsComponentHub(Hub hub) => hub.GetType().FullName == ComponentHubTypeName;

    private static partial class Log
    {
        [LoggerMessage(EventIds.HubSessionUnavailable, LogLevel.Warning, "The session store was unavailable during the hub call '{Method}'.", EventName = nameof(EventIds.HubSessionUnavailable))]
        public static partial void SessionUnavailable(ILogger logger, string method, Exception exception);

        [LoggerMessage(EventIds.HubSignedOut, LogLevel.Debug, "Told hub connection {ConnectionId} that its sign-in was revoked.", EventName = nameof(EventIds.HubSignedOut))]
        public static partial void SignedOut(ILogger logger, string connectionId);

        [LoggerMessage(EventIds.HubSignedOutNotDelivered, LogLevel.Warning, "A hub client could not be told that its sign-in was revoked; its next call runs as anonymous all the same.", EventName = nameof(EventIds.HubSignedOutNotDelivered))]
        public static partial void SignedOutNotDelivered(ILogger logger, Exception exception);
    }
}
