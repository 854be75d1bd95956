namespace Tether.Components;

/// <summary>What a circuit activity is, as far as <see cref="CircuitEventPolicy"/> is concerned.</summary>
internal enum CircuitActivityKind
{
    /// <summary>Runs no app code of its own (<see cref="ComponentHubCall.IsPassive"/>): it skips the bridge.</summary>
    Passive,

    /// <summary>A UI event or a JS-to-.NET call (<see cref="ComponentHubCall.IsUserEvent"/>): the page's own app code.</summary>
    PageEvent,

    /// <summary>The circuit's own activity (its start, a navigation, root component updates), or one Tether cannot name.</summary>
    CircuitActivity,
}

/// <summary>How <see cref="CircuitEventPolicy"/> decided an activity runs.</summary>
internal enum CircuitEventMode
{
    /// <summary>Through the event bridge, at <see cref="CircuitEventPlan.Tier"/>.</summary>
    Bridged,

    /// <summary>Without the bridge: no context, no store read (a page whose events are <see cref="EventTier.None"/>).</summary>
    Unbridged,

    /// <summary>Not run, refused with a 500: the page of its location could not be resolved.</summary>
    PageNotResolved,
}

/// <summary>The policy's answer for one activity.</summary>
/// <param name="Mode">Whether and how it runs.</param>
/// <param name="Tier">The bridge's tier, when <see cref="CircuitEventMode.Bridged"/>.</param>
/// <param name="Page">The page whose authorization the event must pass, if it requires any.</param>
/// <param name="PagesToRecheck">The other <c>[Authorize]</c> pages the event must pass too.</param>
internal readonly record struct CircuitEventPlan(CircuitEventMode Mode, EventTier Tier, PageEndpoint? Page, PageEndpoint[] PagesToRecheck);

/// <summary>
/// Decides how a circuit activity runs: passive, unbridged, or through the bridge at which tier, and against which pages'
/// authorization. It reads only its arguments, so it is unit-tested without a circuit or a server.
/// </summary>
/// <remarks>Concurrency: stateless, so any thread.</remarks>
internal static class CircuitEventPolicy
{
    public static CircuitActivityKind KindOf(ComponentHubCall? activity) => activity switch
    {
        { IsPassive: true } => CircuitActivityKind.Passive,
        { IsUserEvent: true } => CircuitActivityKind.PageEvent,
        _ => CircuitActivityKind.CircuitActivity,
    };

    /// <summary>How a non-passive activity runs, once the circuit has a handshake and the page of its location is resolved.</summary>
    /// <param name="kind">What the activity is; not <see cref="CircuitActivityKind.Passive"/> (those never get this far).</param>
    /// <param name="locationRejected">The bridge refuses the activity's location (400).</param>
    /// <param name="page">The page at the activity's location, or <see langword="null"/> when it is no page of the app.</param>
    /// <param name="pageNotResolved">Looking the page up failed.</param>
    /// <param name="noPageTier">The tier of events at a location that is no page of the app.</param>
    /// <param name="authorizedPages">The <c>[Authorize]</c> pages the circuit's events were authorized on so far.</param>
    public static CircuitEventPlan Decide(
        CircuitActivityKind kind,
        bool locationRejected,
        PageEndpoint? page,
        bool pageNotResolved,
        EventTier noPageTier,
        PageEndpoint[] authorizedPages)
    {
        // The page's tier and authorization apply to the page's own events only. The circuit's activities (its start, a
        // navigation, root component updates) render whatever page comes next, and the location they see is still the
        // previous one: they run the whole bridge, and the page they render is authorized by AuthorizeRouteView against
        // the user that bridge just gave the circuit.
        if (kind is not CircuitActivityKind.PageEvent)
        {
            return new(CircuitEventMode.Bridged, EventTier.Full, null, []);
        }

        if (pageNotResolved)
        {
            // Fail closed: a page that cannot be found may be one that requires authorization.
            return new(CircuitEventMode.PageNotResolved, EventTier.Full, null, []);
        }

        var tier = page?.Tier ?? noPageTier;

        // The location is the client's word: a client can report another page's location without leaving the page it
        // renders (with per-page interactivity nothing re-renders on a location change). So every [Authorize] page this
        // circuit was authorized on stays checked for the rest of the circuit, whatever location the event reports.
        var recheck = OtherThan(authorizedPages, page);
        if (locationRejected)
        {
            // Never skip the bridge for a location it refuses (400).
            tier = EventTier.Full;
        }
        else if (recheck.Length > 0 && tier == EventTier.None)
        {
            tier = EventTier.AuthOnly;
        }

        return tier == EventTier.None
            ? new(CircuitEventMode.Unbridged, EventTier.None, page, recheck)
            : new(CircuitEventMode.Bridged, tier, page, recheck);
    }

    // Not Array.FindAll with a lambda: the closure over page would be allocated on every call, the common one that
    // returns pages unchanged included (the compiler makes a captured parameter's closure at the method's entry).
    private static PageEndpoint[] OtherThan(PageEndpoint[] pages, PageEndpoint? page)
    {
        if (pages.Length == 0 || page is null || Array.IndexOf(pages, page) < 0)
        {
            return pages;
        }

        var others = new List<PageEndpoint>(pages.Length - 1);
        foreach (var p in pages)
        {
            if (p != page)
            {
                others.Add(p);
            }
        }

        return [.. others];
    }
}
