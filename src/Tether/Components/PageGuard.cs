using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tether.Events;

namespace Tether.Components;

/// <summary>A page event's refusal by a page's authorization.</summary>
/// <param name="Outcome">The refusal: a challenge (a redirect to the login page, or a 401), a 403, or a 500.</param>
/// <param name="Page">The page whose authorization refused it.</param>
internal sealed record PageRefusal(EventOutcome Outcome, PageEndpoint Page);

/// <summary>
/// Authorizes a circuit's page events with their event's user: against their page, and against every <c>[Authorize]</c>
/// page the circuit's events were authorized on before (see <see cref="CircuitEventPolicy"/> for why), which it remembers.
/// </summary>
/// <remarks>
/// Concurrency: any thread. The authorized pages are an array copied on write under the guard's own lock and read
/// without one (<see cref="Volatile"/>), so an event never locks to read them.
/// </remarks>
internal sealed partial class PageGuard(ILogger logger)
{
    private readonly Lock _lock = new();
    private PageEndpoint[] _authorizedPages = [];

    /// <summary>The <c>[Authorize]</c> pages the circuit's events were authorized on so far.</summary>
    public PageEndpoint[] AuthorizedPages => Volatile.Read(ref _authorizedPages);

    /// <summary>
    /// <see langword="null"/> when the event may run: <paramref name="page"/> (when it requires authorization) and every
    /// page of <paramref name="pagesToRecheck"/> authorize its user. Otherwise the first refusal.
    /// </summary>
    public async Task<PageRefusal?> AuthorizeAsync(HttpContext context, PageEndpoint? page, PageEndpoint[] pagesToRecheck)
    {
        if (page is { RequiresAuthorization: true } && await AuthorizeAsync(context, page) is { } refusal)
        {
            return new PageRefusal(refusal, page);
        }

        foreach (var other in pagesToRecheck)
        {
            if (await AuthorizeAsync(context, other) is { } refused)
            {
                return new PageRefusal(refused, other);
            }
        }

        if (page is { RequiresAuthorization: true })
        {
            AddAuthorizedPage(page);
        }

        return null;
    }

    private async Task<EventOutcome?> AuthorizeAsync(HttpContext context, PageEndpoint page)
    {
        try
        {
            return await PageAuthorization.AuthorizeAsync(context, page);
        }
        catch (Exception ex)
        {
            // Fail closed: a policy that cannot be evaluated (an unknown policy name, a handler that throws) refuses the
            // event rather than run it with less protection than its page.
            Log.PageAuthorizationFailed(logger, page.PageType.Name, ex);
            return new EventOutcome(false, StatusCodes.Status500InternalServerError, null);
        }
    }

    private void AddAuthorizedPage(PageEndpoint page)
    {
        lock (_lock)
        {
            if (Array.IndexOf(_authorizedPages, page) < 0)
            {
                Volatile.Write(ref _authorizedPages, [.. _authorizedPages, page]);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventIds.PageAuthorizationFailed, LogLevel.Error, "The authorization of page {Page} could not be evaluated for a circuit event; the event was refused.", EventName = nameof(EventIds.PageAuthorizationFailed))]
        public static partial void PageAuthorizationFailed(ILogger logger, string page, Exception exception);
    }
}
