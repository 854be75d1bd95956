using System.Diagnostics;
using System.Diagnostics.Metrics;
using Tether.Events;

namespace Tether.Diagnostics;

/// <summary>
/// Tether's instruments, on a <see cref="Meter"/> named <see cref="TetherDiagnostics.MeterName"/> created with the app's
/// <see cref="IMeterFactory"/>, as ASP.NET Core's <c>HostingMetrics</c> and <c>CircuitMetrics</c> create theirs, so each
/// app (and each test host) gets meters of its own. Names follow ASP.NET Core's (<c>signalr.server.connection.duration</c>,
/// <c>aspnetcore.components.circuit.active</c>): dotted, lower case, durations in seconds with the same bucket advice.
/// </summary>
/// <remarks>
/// Every recording checks its instrument's <see cref="Instrument.Enabled"/> first, so with no listener an event pays one
/// check (<see cref="Observing"/>) and nothing else.
/// </remarks>
internal sealed class TetherMetrics : IEventObserver
{
    public const string EventDuration = "tether.event.duration";
    public const string ActiveEvents = "tether.event.active";
    public const string SessionLoadDuration = "tether.session.load.duration";
    public const string SessionCommitDuration = "tether.session.commit.duration";
    public const string RevocationsPushed = "tether.revocation.pushed";
    public const string CookieHandoffsIssued = "tether.cookie_handoff.issued";
    public const string CookieHandoffsRedeemed = "tether.cookie_handoff.redeemed";
    public const string StoreFailures = "tether.store.failures";
    public const string SessionCommitConflicts = "tether.session.commit.conflicts";

    public const string TransportTag = "tether.transport";
    public const string OutcomeTag = "tether.event.outcome";
    public const string TierTag = "tether.event.tier";
    public const string OperationTag = "tether.store.operation";
    public const string ErrorTypeTag = "error.type";

    // ASP.NET Core's MetricsConstants.ShortSecondsBucketBoundaries (http.server.request.duration and SignalR use them too),
    // so Tether's histograms line up with the framework's on one dashboard.
    private static readonly IReadOnlyList<double> s_shortSeconds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly Histogram<double> _eventDuration;
    private readonly UpDownCounter<long> _activeEvents;
    private readonly Histogram<double> _sessionLoadDuration;
    private readonly Histogram<double> _sessionCommitDuration;
    private readonly Counter<long> _revocationsPushed;
    private readonly Counter<long> _handoffsIssued;
    private readonly Counter<long> _handoffsRedeemed;
    private readonly Counter<long> _storeFailures;
    private readonly Counter<long> _sessionCommitConflicts;

    public TetherMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(TetherDiagnostics.MeterName);
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = s_shortSeconds };
        _eventDuration = meter.CreateHistogram(EventDuration, "s", "Duration of Tether events (Blazor circuit activities and SignalR hub calls) through the event pipeline.", advice: advice);
        _activeEvents = meter.CreateUpDownCounter<long>(ActiveEvents, "{event}", "Number of Tether events running.");
        _sessionLoadDuration = meter.CreateHistogram(SessionLoadDuration, "s", "Duration of loading an event's session from the store.", advice: advice);
        _sessionCommitDuration = meter.CreateHistogram(SessionCommitDuration, "s", "Duration of saving what an event wrote to its session.", advice: advice);
        _revocationsPushed = meter.CreateCounter<long>(RevocationsPushed, "{connection}", "Number of open circuits and hub connections told that their sign-in was revoked.");
        _handoffsIssued = meter.CreateCounter<long>(CookieHandoffsIssued, "{handoff}", "Number of cookie handoffs stored for a browser to redeem.");
        _handoffsRedeemed = meter.CreateCounter<long>(CookieHandoffsRedeemed, "{handoff}", "Number of cookie handoffs a browser redeemed.");
        _storeFailures = meter.CreateCounter<long>(StoreFailures, "{failure}", "Number of store operations (session, sign-in records, cookie handoffs) that failed.");
        _sessionCommitConflicts = meter.CreateCounter<long>(SessionCommitConflicts, "{conflict}", "Number of session commits (HTTP requests and events) that found the session changed by another writer and merged over it again.");
    }

    /// <summary>Whether an event must be observed at all: an instrument an event records on is listened to, or a trace is.</summary>
    public bool Observing
        => _eventDuration.Enabled || _activeEvents.Enabled || _sessionLoadDuration.Enabled || _sessionCommitDuration.Enabled
            || _storeFailures.Enabled || TetherActivitySource.Source.HasListeners();

    IEventObservation IEventObserver.Start(EventOrigin origin, string? path, EventTier tier)
        => StartEvent(origin, path, tier == EventTier.AuthOnly ? "auth_only" : EventObservation.FullTier);

    /// <summary>Starts observing one event.</summary>
    /// <param name="origin">The event's transport and name.</param>
    /// <param name="path">The event's page path, for its span.</param>
    /// <param name="tier">How much of the bridge the event runs: <c>full</c> or <c>auth_only</c> (events on tier <c>none</c> never reach the bridge and are not measured).</param>
    public EventObservation StartEvent(EventOrigin origin, string? path, string tier = EventObservation.FullTier)
    {
        var transport = origin.Transport switch
        {
            "Blazor" => "blazor",
            "SignalR" => "signalr",
            _ => "other",
        };

        // The decrement is paired with this increment, not with Enabled at the end: a listener that attaches mid-event
        // would otherwise see a -1 with no +1.
        var counted = _activeEvents.Enabled;
        if (counted)
        {
            _activeEvents.Add(1, new(TransportTag, transport), new(TierTag, tier));
        }

        return new EventObservation(this, transport, tier, origin.Activity, path) { CountedActive = counted };
    }

    internal void EventStopped(string transport, string tier, string outcome, long started, Exception? error, bool countedActive)
    {
        if (countedActive)
        {
            _activeEvents.Add(-1, new(TransportTag, transport), new(TierTag, tier));
        }

        if (_eventDuration.Enabled)
        {
            var tags = new TagList { { TransportTag, transport }, { OutcomeTag, outcome }, { TierTag, tier } };
            if (error is not null)
            {
                tags.Add(ErrorTypeTag, error.GetType().FullName);
            }

            _eventDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    internal void SessionLoaded(string transport, long started)
    {
        if (_sessionLoadDuration.Enabled)
        {
            _sessionLoadDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(TransportTag, transport));
        }
    }

    internal void SessionCommitted(string transport, long started, Exception? error)
    {
        if (_sessionCommitDuration.Enabled)
        {
            var tags = new TagList { { TransportTag, transport } };
            if (error is not null)
            {
                tags.Add(ErrorTypeTag, error.GetType().FullName);
            }

            _sessionCommitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    /// <summary>Counts a store operation that failed: <c>session.load</c>, <c>session.commit</c>, <c>signin.check</c>, <c>cookie_handoff.store</c>.</summary>
    public void StoreFailed(string operation, Exception error)
    {
        if (_storeFailures.Enabled)
        {
            _storeFailures.Add(1, new KeyValuePair<string, object?>(OperationTag, operation), new KeyValuePair<string, object?>(ErrorTypeTag, error.GetType().FullName));
        }
    }

    /// <summary>Counts a session commit whose compare-and-set found another writer's value (it merges and tries again).</summary>
    public void SessionCommitConflicted()
    {
        if (_sessionCommitConflicts.Enabled)
        {
            _sessionCommitConflicts.Add(1);
        }
    }

    public void RevocationPushed()
    {
        if (_revocationsPushed.Enabled)
        {
            _revocationsPushed.Add(1);
        }
    }

    public void CookieHandoffIssued()
    {
        if (_handoffsIssued.Enabled)
        {
            _handoffsIssued.Add(1);
        }
    }

    public void CookieHandoffRedeemed()
    {
        if (_handoffsRedeemed.Enabled)
        {
            _handoffsRedeemed.Add(1);
        }
    }
}
