using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.JSInterop;
using Tether.Events;

namespace Tether.Components;

/// <summary>
/// Runs one circuit activity through the event bridge as <see cref="CircuitEventPolicy"/> planned it, and carries out
/// the verdict: the UI shows the event's user, a refusal (by a page's authorization or by the app's event middleware)
/// vetoes the activity's app code, and a store outage drops it, the UI told each time.
/// </summary>
/// <remarks>
/// Concurrency: one call per activity, on the circuit's dispatcher; what one call needs lives in that call, so it keeps
/// no state of its own between calls.
/// </remarks>
internal sealed partial class CircuitEventRunner(
    EventBridge bridge,
    CircuitConnection connection,
    PageGuard guard,
    CircuitUi ui,
    CircuitRevocationListener revocation,
    IJSRuntime js,
    ILogger logger)
{
    public async Task RunAsync(
        EventRequest request,
        ComponentHubCall? activity,
        CircuitInboundActivityContext context,
        Func<CircuitInboundActivityContext, Task> next,
        CircuitEventPlan plan)
    {
        // Counted from before the event reads its cookies until its user is shown and recorded: a revocation pushed
        // meanwhile is re-checked after it, with the cookies it leaves (CircuitRevocationListener).
        revocation.EventStarting();
        try
        {
            await RunCountedAsync(request, activity, context, next, plan);
        }
        finally
        {
            revocation.EventEnded();
        }
    }

    private async Task RunCountedAsync(
        EventRequest request,
        ComponentHubCall? activity,
        CircuitInboundActivityContext context,
        Func<CircuitInboundActivityContext, Task> next,
        CircuitEventPlan plan)
    {
        EventOutcome outcome;
        PageRefusal? refusal = null;
        var ran = false;
        try
        {
            outcome = await bridge.RunAsync(
                new EventOrigin("Blazor", connection.CircuitId, "CircuitActivity", activity?.HubMethod),
                request,
                connection.State,
                async Task<EventOutcome?> (httpContext) =>
                {
                    // Before the handler, so the components it renders see this event's user.
                    var user = httpContext.User;
                    ui.ShowEvent(httpContext);
                    if ((plan.Page is { RequiresAuthorization: true } || plan.PagesToRecheck.Length > 0)
                        && (refusal = await guard.AuthorizeAsync(httpContext, plan.Page, plan.PagesToRecheck)) is not null)
                    {
                        return refusal.Outcome;
                    }

                    ran = true;
                    await next(context);
                    if (!ReferenceEquals(user, httpContext.User))
                    {
                        // The handler signed in or out (SignInManager sets HttpContext.User): show its new user at once.
                        ui.ShowEvent(httpContext);
                    }

                    return null;
                },
                requestServices: null,
                CancellationToken.None,
                plan.Tier,
                // A page event's endpoint is its page's, so the event middleware reads the page's metadata (the rate
                // limiter its [EnableRateLimiting]). The circuit's own activities have none: the location they see is the
                // page they leave, not the one they render (dotnet/aspnetcore#49460 asks for limits on the events).
                plan.Page?.Endpoint);
        }
        catch (SessionUnavailableException ex)
        {
            // The circuit must survive a store outage. Before the handler: the event is dropped rather than run with a
            // session that would silently discard its writes. After it: its session writes were not saved. Either way
            // the UI is told (AppState.DeniedStatusCode), and the circuit's own activities still run. Whether the activity
            // ran is this runner's own fact: a page refusal whose commit then failed ran nothing, and its call must still
            // complete.
            Log.SessionUnavailable(logger, ex);
            ui.ShowDenied(StatusCodes.Status503ServiceUnavailable);
            if (!ran)
            {
                await RunVetoedAsync(activity, context, next);
            }

            return;
        }

        revocation.RecordSignIn(outcome);
        if (refusal is not null)
        {
            // The page's authorization refused the event's user: a page event, so nothing else of it runs.
            Log.PageEventRefused(logger, refusal.Page.PageType.Name, refusal.Outcome.StatusCode);
            ui.ShowRefusal(refusal.Outcome);
            RefusedCall.Complete(js, activity);
            return;
        }

        if (outcome.HandlerRan)
        {
            return;
        }

        ui.ShowUser(outcome.User);
        ui.ShowRefusal(outcome);
        await RunVetoedAsync(activity, context, next);
    }

    /// <summary>Refuses a page event without running it: the UI shows <paramref name="statusCode"/>, the page's call completes as refused.</summary>
    public void RefuseUnrun(ComponentHubCall? activity, int statusCode)
    {
        ui.ShowDenied(statusCode);
        RefusedCall.Complete(js, activity);
    }

    // Only app code may be vetoed; the circuit's own activities (start, location sync) must still run, without a context.
    // A vetoed UI event still completes, as refused, so the page is not left waiting for it.
    private Task RunVetoedAsync(ComponentHubCall? activity, CircuitInboundActivityContext context, Func<CircuitInboundActivityContext, Task> next)
    {
        if (activity is not { IsUserEvent: true })
        {
            return next(context);
        }

        RefusedCall.Complete(js, activity);
        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.PageEventRefused, LogLevel.Debug, "A circuit event on page {Page} was refused by the page's authorization ({StatusCode}).", EventName = nameof(EventIds.PageEventRefused))]
        public static partial void PageEventRefused(ILogger logger, string page, int statusCode);

        [LoggerMessage(EventIds.CircuitSessionUnavailable, LogLevel.Warning, "The session store was unavailable; a circuit event was not run.", EventName = nameof(EventIds.CircuitSessionUnavailable))]
        public static partial void SessionUnavailable(ILogger logger, Exception exception);
    }
}
