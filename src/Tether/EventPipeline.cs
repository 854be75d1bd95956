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

        // Load the session before the handler: ISession's synchronous accessors would otherwise load it with
        // blocking store I/O on the circuit's or hub's thread.
        if (context.Features.Get<ISessionFeature>()?.Session is { } session)
        {
            await session.LoadAsync(context.RequestAborted);
        }

        var box = AmbientContext.Bind(context);
        try
        {
            await feature.Handler(context, feature.State);
        }
        finally
        {
            box.Clear();
        }
    }
}
