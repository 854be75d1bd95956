using System.Diagnostics;
using Tether.Diagnostics;
using Tether.Tests.Localization;
using static Tether.Ambient;

namespace Tether.Tests.Diagnostics;

/// <summary>Tether's spans, read with an <see cref="ActivityListener"/>.</summary>
[Collection(DiagnosticsCollection.Name)]
public sealed class EventTracingTests : IAsyncLifetime, IDisposable
{
    private const string SignalRSource = "Microsoft.AspNetCore.SignalR.Server";
    private static readonly ActivitySource s_test = new("Tether.Tests");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private ActivityListener _listener = null!;
    private CoreTestApp _app = null!;

    public async Task InitializeAsync()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is TetherDiagnostics.ActivitySourceName or SignalRSource or "Tether.Tests",
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
        _app = await CoreTestApp.StartAsync(
            events: AppEventMiddleware.Guard("/members-only"),
            services: services => services.AddSignalR().AddTether(),
            map: app => app.MapHub<CultureHub>("/hubs/culture"));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _listener.Dispose();

    [Fact]
    public async Task An_event_span_is_a_child_of_the_current_activity_with_its_pipeline_handler_and_commit_phases_in_order()
    {
        using var browser = await _app.NewBrowser().WithSessionAsync("k", "v");
        var request = await browser.HandshakeAsync("/billing");
        using var root = s_test.StartActivity("framework activity")!;
        Activity? inHandler = null;

        await _app.Bridge.RunAsync(new EventOrigin("Blazor", "c1", "CircuitActivity", "DispatchBrowserEvent"), request, new ConnectionState(), _ =>
        {
            Request.Session.SetString("k", "w");
            using var appSpan = s_test.StartActivity("app work");
            inHandler = appSpan;
            return Task.CompletedTask;
        }, null, CancellationToken.None);

        Assert.Same(root, Activity.Current);
        var trace = Spans(root.TraceId);
        var span = Assert.Single(trace, a => a.OperationName == TetherActivitySource.EventActivity);
        Assert.Equal(root.SpanId, span.ParentSpanId);
        Assert.Equal("blazor DispatchBrowserEvent", span.DisplayName);
        Assert.Equal("blazor", span.GetTagItem(TetherMetrics.TransportTag));
        Assert.Equal("handled", span.GetTagItem(TetherMetrics.OutcomeTag));
        Assert.Equal("full", span.GetTagItem(TetherMetrics.TierTag));
        Assert.Equal("/billing", span.GetTagItem("url.path"));

        var phases = trace.Where(a => a.ParentSpanId == span.SpanId).OrderBy(a => a.StartTimeUtc).ToList();
        Assert.Equal(
            [TetherActivitySource.PipelineActivity, TetherActivitySource.HandlerActivity, TetherActivitySource.CommitActivity],
            phases.Select(a => a.OperationName));
        for (var i = 1; i < phases.Count; i++)
        {
            Assert.True(phases[i - 1].StartTimeUtc + phases[i - 1].Duration <= phases[i].StartTimeUtc + TimeSpan.FromTicks(1), "The phases overlap.");
        }

        // The app's own spans in the handler nest under the handler phase.
        Assert.Equal(phases[1].SpanId, inHandler!.ParentSpanId);
    }

    [Fact]
    public async Task An_event_that_a_middleware_redirects_has_no_handler_phase_and_its_span_says_redirected()
    {
        var request = await _app.HandshakeAsync(null, "/members-only");
        using var root = s_test.StartActivity("framework activity")!;

        await _app.Bridge.RunAsync(new EventOrigin("Blazor", "c1", "CircuitActivity", "DispatchBrowserEvent"), request, new ConnectionState(), _ => Task.CompletedTask, null, CancellationToken.None);

        var trace = Spans(root.TraceId);
        var span = Assert.Single(trace, a => a.OperationName == TetherActivitySource.EventActivity);
        Assert.Equal("redirected", span.GetTagItem(TetherMetrics.OutcomeTag));
        Assert.Equal(
            [TetherActivitySource.PipelineActivity, TetherActivitySource.CommitActivity],
            trace.Where(a => a.ParentSpanId == span.SpanId).OrderBy(a => a.StartTimeUtc).Select(a => a.OperationName));
    }

    [Fact]
    public async Task A_failed_event_span_carries_the_error()
    {
        var request = await _app.HandshakeAsync(null, "/billing");
        using var root = s_test.StartActivity("framework activity")!;

        await Assert.ThrowsAsync<InvalidOperationException>(() => _app.Bridge.RunAsync(request, new ConnectionState(), _ => throw new InvalidOperationException("boom")));

        var span = Assert.Single(Spans(root.TraceId), a => a.OperationName == TetherActivitySource.EventActivity);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("failed", span.GetTagItem(TetherMetrics.OutcomeTag));
        Assert.Equal(typeof(InvalidOperationException).FullName, span.GetTagItem(TetherMetrics.ErrorTypeTag));
    }

    [Fact]
    public async Task A_hub_calls_span_is_a_child_of_SignalRs_own_invocation_activity()
    {
        var connection = _app.NewHub(hub: "/hubs/culture");
        await using (connection)
        {
            await connection.StartAsync();
            await connection.InvokeAsync<string>(nameof(CultureHub.Culture));
        }

        var span = Assert.Single(_stopped, a => a.OperationName == TetherActivitySource.EventActivity && (string?)a.GetTagItem("tether.event.name") == nameof(CultureHub.Culture));
        var invocation = Assert.Single(_stopped, a => a.SpanId == span.ParentSpanId);
        Assert.Equal(SignalRSource + ".InvocationIn", invocation.OperationName);
        Assert.Equal("signalr", span.GetTagItem(TetherMetrics.TransportTag));
    }

    private List<Activity> Spans(ActivityTraceId traceId) => [.. _stopped.Where(a => a.TraceId == traceId)];
}
