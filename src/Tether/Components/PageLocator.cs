using Tether.Events;
namespace Tether.Components;

/// <summary>An activity's request at the circuit's location, and the page there.</summary>
/// <param name="Handshake">The handshake the request was made from.</param>
/// <param name="Location">The location it was made at.</param>
/// <param name="Request">The handshake's request at <paramref name="Location"/>.</param>
/// <param name="Page">The app's page there, or <see langword="null"/>.</param>
/// <param name="PageFailure">Why the page could not be looked up, if it could not.</param>
/// <param name="CorrectedPage">
/// When the page's report replaced Blazor's own location, the page at Blazor's location if it requires authorization: the
/// events stay held to it as well (see <see cref="CircuitLocation.Resolve"/>).
/// </param>
internal sealed record LocatedRequest(EventRequest Handshake, string? Location, EventRequest Request, PageEndpoint? Page, Exception? PageFailure, PageEndpoint? CorrectedPage = null);

/// <summary>
/// Resolves the request and the page a circuit's activity runs at, from the circuit's handshake and the URL its browser
/// shows (<see cref="CircuitLocation"/>), matched against the app's pages (<see cref="PageRoutes"/>).
/// </summary>
/// <remarks>
/// Most activities happen on the page of the previous one: the last answer is reused instead of parsing the URL and
/// matching the routes again. Concurrency: any thread (the dispatcher, the revocation re-check). The last answer is one
/// immutable reference, read and written with <see cref="Volatile"/>, so concurrent activities never read a handshake
/// paired with another location's request; at worst two of them resolve the same location twice.
/// </remarks>
internal sealed class PageLocator(CircuitLocation location, PageRoutes pages, TetherOptions options)
{
    private LocatedRequest? _last;

    /// <summary>The tier of events at a location that is no page of the app.</summary>
    public EventTier NoPageTier => pages.NoPageTier;

    public LocatedRequest Locate(EventRequest handshake)
    {
        var current = location.Resolve(out var corrected);
        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Handshake, handshake) && last.Location == current)
        {
            return last;
        }

        var request = handshake.WithLocation(current, options);
        PageEndpoint? page = null;
        Exception? failure = null;
        if (current is not null && !request.LocationRejected)
        {
            try
            {
                page = pages.Match(request.Path);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }

        // Fail closed: a report that moves the events off an [Authorize] page keeps them held to it, as if it had been
        // authorized on. (After the redirect this is written for, Blazor's location is no page: /culture?...)
        PageEndpoint? correctedPage = null;
        if (corrected is not null && failure is null)
        {
            var blazorRequest = handshake.WithLocation(corrected, options);
            try
            {
                correctedPage = blazorRequest.LocationRejected ? null : pages.Match(blazorRequest.Path) is { RequiresAuthorization: true } held ? held : null;
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        }

        var located = new LocatedRequest(handshake, current, request, page, failure, correctedPage);
        Volatile.Write(ref _last, located);
        return located;
    }
}
