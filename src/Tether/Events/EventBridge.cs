using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Tether.Events;

internal sealed class EventBridge(
    EventPipeline pipeline,
    IServiceScopeFactory scopeFactory,
    IOptions<TetherOptions> options,
    ILogger<EventBridge> logger,
    IEventObserver? observer = null)
{
    private readonly TetherOptions _options = options.Value;

    /// <summary>Runs <paramref name="handler"/> as one event of <paramref name="connection"/>, with no origin for its log scope.</summary>
    public Task<EventOutcome> RunAsync(
        EventRequest request,
        ConnectionState? connection,
        Func<HttpContext, Task> handler,
        IServiceProvider? requestServices = null,
        CancellationToken cancellationToken = default)
        => RunAsync(default, request, connection, handler, requestServices, cancellationToken);

    /// <summary>
    /// The adapters' entry point. Runs <paramref name="handler"/> as one event of <paramref name="connection"/> through the
    /// event pipeline, with the event's context bound to the ambient accessors; <paramref name="origin"/> names the event in
    /// its log scope. <paramref name="requestServices"/> is the caller's scope (SignalR's per invocation), or
    /// <see langword="null"/> for one of the bridge's own. Whatever the handler or a middleware threw is rethrown after
    /// the session was committed and the context cleared. <paramref name="tier"/> <see cref="EventTier.AuthOnly"/> skips
    /// the app's event middleware; the adapters never bring <see cref="EventTier.None"/> here. <paramref name="endpoint"/> is the
    /// event's target as the app's endpoints describe it (a circuit's page, a hub and its method), which
    /// <c>HttpContext.GetEndpoint()</c> returns to the event's middleware, so endpoint metadata (<c>[EnableRateLimiting]</c>,
    /// an app's own attributes) works as it does over HTTP; the adapter chooses it, the core only carries it.
    /// </summary>
    public Task<EventOutcome> RunAsync(
        EventOrigin origin,
        EventRequest request,
        ConnectionState? connection,
        Func<HttpContext, Task> handler,
        IServiceProvider? requestServices,
        CancellationToken cancellationToken,
        EventTier tier = EventTier.Full,
        Endpoint? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Run(origin, request, connection, handler, requestServices, tier, endpoint, cancellationToken);
    }

    /// <summary>
    /// As <see cref="RunAsync(EventOrigin, EventRequest, ConnectionState?, Func{HttpContext, Task}, IServiceProvider?, CancellationToken, EventTier, Endpoint?)"/>,
    /// for an adapter whose own check runs in place of the handler (a circuit page's <c>[Authorize]</c>): what
    /// <paramref name="handler"/> returns is its verdict, <see langword="null"/> when it ran the event, or the refusal
    /// the event ends with.
    /// </summary>
    public Task<EventOutcome> RunAsync(
        EventOrigin origin,
        EventRequest request,
        ConnectionState? connection,
        Func<HttpContext, Task<EventOutcome?>> handler,
        IServiceProvider? requestServices,
        CancellationToken cancellationToken,
        EventTier tier = EventTier.Full,
        Endpoint? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Run(origin, request, connection, handler, requestServices, tier, endpoint, cancellationToken);
    }

    private Task<EventOutcome> Run(
        EventOrigin origin,
        EventRequest request,
        ConnectionState? connection,
        Delegate handler,
        IServiceProvider? requestServices,
        EventTier tier,
        Endpoint? endpoint,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        // One check when nothing listens: the observed path is a wrapper, so the unobserved one pays no state machine for it.
        return observer is { Observing: true }
            ? RunObservedAsync(observer, origin, request, connection, handler, requestServices, tier, endpoint, cancellationToken)
            : RunCoreAsync(null, origin, request, connection, handler, requestServices, tier, endpoint, cancellationToken);
    }

    private async Task<EventOutcome> RunObservedAsync(
        IEventObserver observer,
        EventOrigin origin,
        EventRequest request,
        ConnectionState? connection,
        Delegate handler,
        IServiceProvider? requestServices,
        EventTier tier,
        Endpoint? endpoint,
        CancellationToken cancellationToken)
    {
        // Started inside this async method: the span it makes current must not flow back to the caller's context.
        var observation = observer.Start(origin, request.Path.Value, tier);
        try
        {
            var outcome = await RunCoreAsync(observation, origin, request, connection, handler, requestServices, tier, endpoint, cancellationToken);
            observation.Stop(outcome);
            return outcome;
        }
        catch (Exception ex)
        {
            observation.Stop(ex);
            throw;
        }
    }

    private async Task<EventOutcome> RunCoreAsync(
        IEventObservation? observation,
        EventOrigin origin,
        EventRequest request,
        ConnectionState? connection,
        Delegate handler,
        IServiceProvider? requestServices,
        EventTier tier,
        Endpoint? endpoint,
        CancellationToken cancellationToken)
    {
        // Only when something logs Tether's category at all: the scope state is then the one allocation it costs.
        using var logScope = logger.IsEnabled(LogLevel.Critical) ? logger.BeginScope(new EventLogScope(origin, request.Path)) : null;

        if (request.LocationRejected)
        {
            // Fail closed. The location is the client's word; running the event at "/" instead would skip whatever the
            // app's event middleware checks for the page's real path (a /profile guard), while the page stays on it.
            TetherLog.LocationRejected(logger);
            return new EventOutcome(false, StatusCodes.Status400BadRequest, null);
        }

        var application = pipeline.Application;
        var scope = requestServices is null ? scopeFactory.CreateAsyncScope() : default(AsyncServiceScope?);
        var response = new EventResponseFeature();
        var feature = new EventFeature(handler, connection) { Tier = tier, Observation = observation, Endpoint = endpoint };
        var context = EventContextFactory.Create(request, connection, response, feature, scope?.ServiceProvider ?? requestServices!, cancellationToken);

        if (logger.IsEnabled(LogLevel.Debug))
        {
            TetherLog.EventStarted(logger, request.Path.Value ?? "/");
        }

        ExceptionDispatchInfo? failure = null;

        // Binding replaces whatever context this flow inherited (step 1). It is bound for the whole pipeline, not only
        // the handler: the event's own middleware may read Current and IHttpContextAccessor too, and the data protection
        // wrapper and the store cache find the event through that accessor.
        var box = AmbientContext.Bind(context);
        try
        {
            try
            {
                await application(context);
            }
            catch (Exception ex)
            {
                failure = ExceptionDispatchInfo.Capture(ex);
                TetherLog.HandlerFailed(logger, ex.GetType().Name);
            }

            observation?.Committing();

            // As a server would when it sends the response: OnStarting callbacks set the session and auth cookies.
            await response.StartAsync();
            // The jar serves the cookies to the connection's next events at once; the handoff, when the connection
            // has one, takes them to the browser after the event (an event that set no cookie never gets here).
            if (connection is not null && response.Headers.TryGetValue(HeaderNames.SetCookie, out var setCookies))
            {
                var handoff = connection.CookieDelivery;
                var pendingUntil = handoff?.PendingUntil() ?? 0;
                connection.Absorb(setCookies, pendingUntil);
                handoff?.Send(setCookies, pendingUntil);
            }

            if (_options.UseAuthentication && context.User.Identity?.IsAuthenticated != true)
            {
                await ReportAuthenticationFailureAsync(context, connection);
            }

            await response.CompleteAsync();
        }
        finally
        {
            box.Clear();
            if (scope is { } owned)
            {
                await owned.DisposeAsync();
            }
        }

        failure?.Throw();

        var authentication = feature.SignInChanged
            ? feature.SignedIn
            : context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties;
        if (feature.TerminalReached && feature.Refusal is { } refusal)
        {
            // The adapter's own check, run in place of the handler, refused the event (a circuit page's [Authorize]).
            return new EventOutcome(false, refusal.StatusCode, refusal.Location) { User = context.User, Authentication = authentication };
        }

        if (feature.TerminalReached)
        {
            return new EventOutcome(true, StatusCodes.Status200OK, null) { User = context.User, Authentication = authentication };
        }

        var location = response.Headers.Location.Count > 0 ? response.Headers.Location[0] : null;
        TetherLog.EventShortCircuited(logger, response.StatusCode, location);
        return new EventOutcome(false, response.StatusCode, location) { User = context.User, Authentication = authentication };
    }

    private async Task ReportAuthenticationFailureAsync(HttpContext context, ConnectionState? connection)
    {
        // The default scheme's handler is scoped to this event and caches its result, so this re-reads no cookie.
        var schemes = context.RequestServices.GetService<IAuthenticationSchemeProvider>();
        if (schemes is null || await schemes.GetDefaultAuthenticateSchemeAsync() is null)
        {
            return;
        }

        var result = await context.AuthenticateAsync();
        if (result.Failure is { } failure)
        {
            // A cookie that fails to unprotect fails on every event of its connection: warn once, then at Debug level.
            if (connection is null || connection.FirstAuthenticationFailure())
            {
                TetherLog.AuthenticationFailed(logger, failure.Message);
            }
            else
            {
                TetherLog.AuthenticationFailedAgain(logger, failure.Message);
            }
        }
    }
}
