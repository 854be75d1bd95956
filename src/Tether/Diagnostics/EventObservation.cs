using System.Diagnostics;
using Tether.Events;

namespace Tether.Diagnostics;

/// <summary>
/// What is measured and traced of one event: its start, its span and the span of the phase it is in. Created only when
/// something listens (<see cref="TetherMetrics.Observing"/>), so an unobserved event allocates none of it.
/// </summary>
/// <remarks>
/// <para>
/// The event's span (<c>Tether.Event</c>) is a child of <see cref="Activity.Current"/> at the event's start: SignalR's
/// hub invocation activity (<c>Microsoft.AspNetCore.SignalR.Server.InvocationIn</c>, which by design has no parent of
/// its own: "What's new in ASP.NET Core 9.0", improved activities for SignalR), or whatever the circuit's inbound activity runs under. Blazor's own
/// <c>Microsoft.AspNetCore.Components.HandleEvent</c> starts inside the handler, so it nests under <c>Tether.Handler</c>.
/// </para>
/// <para>
/// The phases are child activities rather than <see cref="ActivityEvent"/>s: the app's own spans (EF Core, HttpClient,
/// the authentication handler's store reads) then nest under the phase that ran them, and every trace viewer shows a
/// phase's duration as a bar, where events would only be time stamps to subtract. They are sequential siblings:
/// <c>Tether.Pipeline</c> (session and authentication middleware, the app's event middleware, the session load),
/// <c>Tether.Handler</c>, <c>Tether.Commit</c> (the session commit, the response's cookies into the jar and handoff).
/// Each phase is started and ended in whichever async flow reaches it; <see cref="Activity.Stop"/> restores
/// <see cref="Activity.Current"/> to the event's span in that flow.
/// </para>
/// </remarks>
internal sealed class EventObservation : IEventObservation
{
    /// <summary>The tier of an event that runs the whole event pipeline.</summary>
    public const string FullTier = "full";

    public const string Handled = "handled";
    public const string Redirected = "redirected";
    public const string Denied = "denied";
    public const string Failed = "failed";
    public const string StoreUnavailable = "store_unavailable";

    private readonly TetherMetrics _metrics;
    private readonly string _tier;
    private readonly long _started;
    private readonly Activity? _event;
    private Activity? _phase;
    private bool _committing;

    internal EventObservation(TetherMetrics metrics, string transport, string tier, string? name, string? path)
    {
        _metrics = metrics;
        Transport = transport;
        _tier = tier;
        _started = Stopwatch.GetTimestamp();

        var source = TetherActivitySource.Source;
        if (source.HasListeners() && source.StartActivity(TetherActivitySource.EventActivity, ActivityKind.Internal) is { } activity)
        {
            _event = activity;
            activity.DisplayName = name is null ? transport + " event" : transport + " " + name;
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(TetherMetrics.TransportTag, transport);
                activity.SetTag(TetherMetrics.TierTag, tier);
                activity.SetTag("tether.event.name", name);
                activity.SetTag("url.path", path);
            }

            _phase = Start(TetherActivitySource.PipelineActivity);
        }
    }

    /// <summary>Whether the event was counted in <c>tether.event.active</c> when it started.</summary>
    public bool CountedActive { get; init; }

    /// <summary>The transport's tag value: <c>blazor</c>, <c>signalr</c> or <c>other</c>.</summary>
    public string Transport { get; }

    /// <summary>The event's span, when it is traced.</summary>
    public Activity? Activity => _event;

    /// <summary>The pipeline reached its terminal: the handler phase starts.</summary>
    public void HandlerStarting() => Next(TetherActivitySource.HandlerActivity);

    /// <summary>
    /// The handler returned, or the pipeline ended without it: the commit phase starts. Called by the terminal and then
    /// by the bridge; the second call finds the phase started and makes it current in the bridge's flow too.
    /// </summary>
    public void Committing()
    {
        if (_committing)
        {
            if (_phase is { } commit)
            {
                Activity.Current = commit;
            }

            return;
        }

        _committing = true;
        Next(TetherActivitySource.CommitActivity);
    }

    /// <summary>A timestamp to pass to <see cref="SessionLoaded"/> or <see cref="SessionCommitted"/>.</summary>
    public static long Timestamp() => Stopwatch.GetTimestamp();

    public void SessionLoaded(long started) => _metrics.SessionLoaded(Transport, started);

    public void SessionCommitted(long started, Exception? error) => _metrics.SessionCommitted(Transport, started, error);

    /// <summary>Ends the event with its outcome: one of the constants above.</summary>
    public void Stop(string outcome, Exception? error = null)
    {
        _phase?.Stop();
        _phase = null;
        if (_event is { } activity)
        {
            if (activity.IsAllDataRequested)
            {
                activity.SetTag(TetherMetrics.OutcomeTag, outcome);
            }

            if (error is not null)
            {
                activity.SetTag(TetherMetrics.ErrorTypeTag, error.GetType().FullName);
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }

            activity.Stop();
        }

        _metrics.EventStopped(Transport, _tier, outcome, _started, error, CountedActive);
    }

    public void Stop(EventOutcome outcome) => Stop(OutcomeOf(outcome));

    public void Stop(Exception error) => Stop(error is SessionUnavailableException ? StoreUnavailable : Failed, error);

    public void StoreFailed(string operation, Exception error) => _metrics.StoreFailed(operation, error);

    public static string OutcomeOf(EventOutcome outcome)
        => outcome.HandlerRan ? Handled : outcome.IsRedirect ? Redirected : Denied;

    private void Next(string phase)
    {
        if (_event is null)
        {
            return;
        }

        // Stopping the previous phase makes the event's span current again in this flow; a flow that never saw the
        // phase start (the bridge after the terminal) gets it set explicitly, so the next phase is the event's child.
        _phase?.Stop();
        Activity.Current = _event;
        _phase = Start(phase);
    }

    private static Activity? Start(string name) => TetherActivitySource.Source.StartActivity(name, ActivityKind.Internal);
}
