using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

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

    public void Build(RequestDelegate application) => _application = application;

    public static async Task TerminalAsync(HttpContext context)
    {
        var feature = context.Features.Get<EventFeature>()
            ?? throw new InvalidOperationException("Tether's event pipeline ran on a request that is not an event.");
        feature.TerminalReached = true;

        var sessionFeature = context.Features.Get<ISessionFeature>();
        EventSession? session = null;
        if (sessionFeature?.Session is { } inner)
        {
            // Load before the handler: ISession's synchronous accessors would otherwise load it with blocking
            // store I/O on the circuit's or hub's thread.
            try
            {
                await inner.LoadAsync(context.RequestAborted);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                throw new SessionUnavailableException("The session store could not be reached to load the session; the event's handler did not run.", ex);
            }

            session = new EventSession(inner);
            sessionFeature.Session = session;
        }

        Exception? handlerFailure = null;
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
            if (session is { IsModified: true })
            {
                await CommitAsync(session, context, handlerFailure);
            }
        }
    }

    private static async Task CommitAsync(EventSession session, HttpContext context, Exception? handlerFailure)
    {
        try
        {
            await session.CommitAsync(context.RequestAborted);
        }
        catch (Exception ex)
        {
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
