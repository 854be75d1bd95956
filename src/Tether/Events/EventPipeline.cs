using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tether.Authentication;
using Tether.Diagnostics;

namespace Tether;

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
    /// Builds the branch every event runs through: the app's own <c>SessionMiddleware</c> and
    /// <c>AuthenticationMiddleware</c>, then the middleware the app adds for events, then <see cref="TerminalAsync"/>.
    /// </summary>
    public void Build(IApplicationBuilder app, TetherOptions options, Action<IApplicationBuilder>? configureEvents)
    {
        var events = app.New();
        var services = app.ApplicationServices;
        var sessionProtection = options.UseSession
            ? EventDataProtectionProvider.For(services.GetRequiredService<IDataProtectionProvider>(), options)
            : null;

        // With a cache that reads in batches (Redis), the event's session and sign-in records are read in one round trip
        // before the session and authentication middleware ask for them one by one.
        if ((options.UseSession || options.UseAuthentication) && services.GetService<IDistributedCacheBatchReader>() is { } reader)
        {
            var prefetch = new EventStorePrefetch(services, reader, sessionProtection, options.UseAuthentication);
            events.Use(next => context => prefetch.InvokeAsync(context, next));
        }

        if (sessionProtection is not null)
        {
            // The app's own SessionMiddleware, given the caching wrapper of the app's data protection so a connection
            // does not decrypt the same session cookie on every event. With the default store, its sessions read through
            // EventStoreCache, which serves what the prefetch read; a custom ISessionStore is the app's, untouched.
            if (services.GetService<ISessionStore>() is DistributedSessionStore && services.GetService<EventStoreCache>() is { } cache)
            {
                events.UseMiddleware<SessionMiddleware>(
                    sessionProtection, new DistributedSessionStore(cache, services.GetRequiredService<ILoggerFactory>()));
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
        events.Use(static next => context => context.Features.Get<EventFeature>() is { Tier: EventTier.AuthOnly }
            ? TerminalAsync(context)
            : next(context));

        configureEvents?.Invoke(events);
        events.Run(TerminalAsync);
        _application = events.Build();
    }

    public static async Task TerminalAsync(HttpContext context)
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
            var loading = observation is null ? 0 : EventObservation.Timestamp();
            try
            {
                await inner.LoadAsync(context.RequestAborted);
                observation?.SessionLoaded(loading);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                context.RequestServices.GetService<TetherMetrics>()?.StoreFailed("session.load", ex);
                throw new SessionUnavailableException("The session store could not be reached to load the session; the event's handler did not run.", ex);
            }

            session = new EventSession(inner);
            sessionFeature.Session = session;

            // A session records the sign-in it belongs to. An event whose user is not that sign-in (an old tab after a
            // sign-out, or after another user signed in on the same browser) gets a new session of its own and never
            // reads or writes the other one.
            if (inner.TryGetValue(SessionRotation.OwnerKey, out var owner)
                && SignInIdOf(context) is var signInId
                && !IsSignIn(owner, signInId)
                && context.RequestServices.GetService<SessionRotation>() is { } rotation)
            {
                await rotation.RotateAsync(context, carry: false, clearOld: false, owner: signInId);
                session = (EventSession)sessionFeature.Session!;
            }
        }

        Exception? handlerFailure = null;
        observation?.HandlerStarting();
        try
        {
            await feature.Handler(context);
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

    /// <summary>The revocable sign-in the event's user came from, if any.</summary>
    internal static string? SignInIdOf(HttpContext context)
        => context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.GetSignInId();

    // Sign-in ids are base64url (ASCII): compared byte by byte, with no string made from the session's value.
    private static bool IsSignIn(byte[] owner, string? signInId) => signInId is not null && Ascii.Equals(owner, signInId);

    private static async Task CommitAsync(EventSession session, HttpContext context, Exception? handlerFailure, EventObservation? observation)
    {
        var committing = observation is null ? 0 : EventObservation.Timestamp();
        try
        {
            await session.CommitAsync(context.RequestAborted);
            observation?.SessionCommitted(committing, null);
        }
        catch (Exception ex)
        {
            observation?.SessionCommitted(committing, ex);
            context.RequestServices.GetService<TetherMetrics>()?.StoreFailed("session.commit", ex);
            var unavailable = new SessionUnavailableException(
                "The session store could not be reached to save what the event wrote to the session.", ex)
            { HandlerRan = true };
            if (handlerFailure is null)
            {
                throw unavailable;
            }

            // The handler's own exception is the one the caller needs to see; the store's rides along with it.
            handlerFailure.Data[SessionUnavailableException.DataKey] = unavailable;
        }
    }
}
