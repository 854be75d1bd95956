using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.Events;

/// <summary>
/// The event pipeline, built once by <c>UseTether</c>: an application branch that ends in <see cref="TerminalAsync"/>.
/// </summary>
internal sealed class EventPipeline
{
    private RequestDelegate? _application;

    public RequestDelegate Application => _application
        ?? throw new InvalidOperationException(
            "Tether's event pipeline has not been built. Call app.UseTether() after the app's UseAuthentication()/UseSession() calls.");

    public bool IsBuilt => _application is not null;

    /// <summary>
    /// Builds the branch every event runs through: the features' early middleware (<see cref="EventPipelineParts"/>), the
    /// app's own <c>SessionMiddleware</c> and <c>AuthenticationMiddleware</c>, then the middleware the app adds for events,
    /// then <see cref="TerminalAsync"/>.
    /// </summary>
    public void Build(IApplicationBuilder app, TetherOptions options, EventPipelineParts parts, Action<IApplicationBuilder>? configureEvents)
    {
        var events = app.New();
        var services = app.ApplicationServices;
        _sessionLoaded = [.. parts.SessionLoaded];
        foreach (var middleware in parts.BeforeSession)
        {
            events.Use(middleware);
        }

        if (options.UseSession)
        {
            // The app's own SessionMiddleware, given the caching wrapper of the app's data protection so a connection
            // does not decrypt the same session cookie on every event, and the store a feature serves, if one does.
            var sessionProtection = parts.SessionProtection
                ?? EventDataProtectionProvider.For(services.GetRequiredService<IDataProtectionProvider>(), options, services.GetRequiredService<IHttpContextAccessor>());
            if (parts.SessionStore is { } store)
            {
                events.UseMiddleware<SessionMiddleware>(sessionProtection, store);
            }
            else
            {
                events.UseMiddleware<SessionMiddleware>(sessionProtection);
            }
        }

        if (options.UseAuthentication)
        {
            events.UseAuthentication();
        }

        // Events on the auth-only tier leave here, after session and authentication, before the app's event middleware.
        events.Use(next => context => context.Features.Get<EventFeature>() is { Tier: EventTier.AuthOnly }
            ? TerminalAsync(context)
            : next(context));

        configureEvents?.Invoke(events);
        events.Run(TerminalAsync);
        _application = events.Build();
    }

    private Func<HttpContext, EventSession, Task>[] _sessionLoaded = [];

    public async Task TerminalAsync(HttpContext context)
    {
        var feature = context.Features.Get<EventFeature>()
            ?? throw new InvalidOperationException("Tether's event pipeline ran on a request that is not an event.");
        feature.TerminalReached = true;
        var observation = feature.Observation;

        var sessionFeature = context.Features.Get<ISessionFeature>();
        EventSession? session = null;
        if (sessionFeature?.Session is { } inner)
        {
            // Load before the handler: ISession's synchronous accessors would otherwise load it with blocking
            // store I/O on the circuit's or hub's thread.
            var loading = observation is null ? 0 : Stopwatch.GetTimestamp();
            try
            {
                await inner.LoadAsync(context.RequestAborted);
                observation?.SessionLoaded(loading);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                observation?.StoreFailed("session.load", ex);
                throw new SessionUnavailableException("The session store could not be reached to load the session; the event's handler did not run.", ex);
            }

            session = new EventSession(inner);
            sessionFeature.Session = session;

            // The features' checks of the loaded session (a session that belongs to another sign-in is replaced).
            foreach (var loaded in _sessionLoaded)
            {
                await loaded(context, session);
                session = (EventSession)sessionFeature.Session!;
            }
        }

        Exception? handlerFailure = null;
        observation?.HandlerStarting();
        try
        {
            if (feature.Handler is Func<HttpContext, Task<EventOutcome?>> decide)
            {
                feature.Refusal = await decide(context);
            }
            else
            {
                await ((Func<HttpContext, Task>)feature.Handler)(context);
            }
        }
        catch (Exception ex)
        {
            handlerFailure = ex;
            throw;
        }
        finally
        {
            observation?.Committing();
            if (session is { IsModified: true })
            {
                await CommitAsync(session, context, handlerFailure, observation);
            }

            // A sign-in or sign-out inside the handler gave the event a new session.
            if (sessionFeature?.Session is EventSession rotated && rotated != session && rotated.IsModified)
            {
                await CommitAsync(rotated, context, handlerFailure, observation);
            }
        }
    }

    private static async Task CommitAsync(EventSession session, HttpContext context, Exception? handlerFailure, IEventObservation? observation)
    {
        var committing = observation is null ? 0 : Stopwatch.GetTimestamp();
        try
        {
            await session.CommitAsync(context.RequestAborted);
            observation?.SessionCommitted(committing, null);
        }
        catch (Exception ex)
        {
            observation?.SessionCommitted(committing, ex);
            observation?.StoreFailed("session.commit", ex);
            // A session that refused to commit (other writers past its retry bound, a stored value it cannot read) says why.
            var unavailable = ex is SessionUnavailableException refused
                ? new SessionUnavailableException(refused.Message, refused.InnerException) { HandlerRan = true }
                : new SessionUnavailableException("The session store could not be reached to save what the event wrote to the session.", ex) { HandlerRan = true };
            if (handlerFailure is null)
            {
                throw unavailable;
            }

            // The handler's own exception is the one the caller needs to see; the store's rides along with it.
            handlerFailure.Data[SessionUnavailableException.DataKey] = unavailable;
        }
    }
}
