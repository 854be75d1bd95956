using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Tether.Diagnostics;
using Tether.Tests.Handoff;
using static Tether.Ambient;

namespace Tether.Tests.Diagnostics;

/// <summary>
/// Tether's instruments, read with <see cref="MetricCollector{T}"/> on the test app's own <see cref="IMeterFactory"/>, so
/// the other tests' apps, running in parallel, never count here.
/// </summary>
public sealed class EventMetricsTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(AppEventMiddleware.Guard("/members-only"));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private IMeterFactory Meters => _app.App.Services.GetRequiredService<IMeterFactory>();

    [Fact]
    public async Task Every_event_records_its_duration_in_seconds_tagged_with_transport_outcome_and_tier()
    {
        using var durations = new MetricCollector<double>(Meters, TetherDiagnostics.MeterName, TetherMetrics.EventDuration);
        var request = await _app.HandshakeAsync(null, "/billing");
        var signalR = new EventOrigin("SignalR", "c1", "HubMethod", "Pay");
        var blazor = new EventOrigin("Blazor", "c2", "CircuitActivity", "DispatchBrowserEvent");

        await RunAsync(signalR, request, _ => Task.CompletedTask);
        await RunAsync(blazor, request.WithLocation("/members-only"), _ => Task.CompletedTask);
        await RunAsync(blazor, request.WithLocation("/forbidden"), _ => Task.CompletedTask);
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(signalR, request, _ => throw new InvalidOperationException("boom")));
        using var browser = await _app.NewBrowser().WithSessionAsync("k", "v");
        var withSession = await browser.HandshakeAsync("/billing");
        _app.Cache.Down = true;
        try
        {
            await Assert.ThrowsAsync<SessionUnavailableException>(() => RunAsync(blazor, withSession, _ => Task.CompletedTask));
        }
        finally
        {
            _app.Cache.Down = false;
        }

        var measurements = durations.GetMeasurementSnapshot();
        Assert.Equal(
            ["signalr handled full", "blazor redirected full", "blazor denied full", "signalr failed full", "blazor store_unavailable full"],
            measurements.Select(m => $"{m.Tags[TetherMetrics.TransportTag]} {m.Tags[TetherMetrics.OutcomeTag]} {m.Tags[TetherMetrics.TierTag]}"));
        Assert.All(measurements, m => Assert.InRange(m.Value, 0, 60));
        Assert.Equal(typeof(InvalidOperationException).FullName, measurements[3].Tags[TetherMetrics.ErrorTypeTag]);
        Assert.Equal(typeof(SessionUnavailableException).FullName, measurements[4].Tags[TetherMetrics.ErrorTypeTag]);
    }

    [Fact]
    public async Task An_event_counts_as_active_while_it_runs_and_not_after()
    {
        using var active = new MetricCollector<long>(Meters, TetherDiagnostics.MeterName, TetherMetrics.ActiveEvents);
        var request = await _app.HandshakeAsync(null, "/billing");
        long during = 0;

        await RunAsync(new EventOrigin("SignalR", "c1", "HubMethod", "Pay"), request, _ =>
        {
            during = active.GetMeasurementSnapshot().Sum(m => m.Value);
            return Task.CompletedTask;
        });

        Assert.Equal(1, during);
        Assert.Equal(0, active.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal("signalr", active.LastMeasurement!.Tags[TetherMetrics.TransportTag]);
    }

    [Fact]
    public async Task Session_loads_and_commits_are_timed_and_a_store_failure_is_counted_by_operation()
    {
        using var loads = new MetricCollector<double>(Meters, TetherDiagnostics.MeterName, TetherMetrics.SessionLoadDuration);
        using var commits = new MetricCollector<double>(Meters, TetherDiagnostics.MeterName, TetherMetrics.SessionCommitDuration);
        using var failures = new MetricCollector<long>(Meters, TetherDiagnostics.MeterName, TetherMetrics.StoreFailures);
        using var browser = await _app.NewBrowser().WithSessionAsync("k", "v");
        var request = await browser.HandshakeAsync("/billing");
        var connection = new ConnectionState();

        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            Request.Session.SetString("k", "w");
            return Task.CompletedTask;
        });
        Assert.Single(loads.GetMeasurementSnapshot());
        Assert.Single(commits.GetMeasurementSnapshot());
        Assert.Empty(failures.GetMeasurementSnapshot());

        await Assert.ThrowsAsync<SessionUnavailableException>(() => _app.Bridge.RunAsync(request, connection, _ =>
        {
            Request.Session.SetString("k", "x");
            _app.Cache.Down = true;
            return Task.CompletedTask;
        }));
        _app.Cache.Down = false;

        var failure = Assert.Single(failures.GetMeasurementSnapshot());
        Assert.Equal("session.commit", failure.Tags[TetherMetrics.OperationTag]);
        Assert.NotNull(commits.LastMeasurement!.Tags[TetherMetrics.ErrorTypeTag]);
    }

    [Fact]
    public async Task Nothing_is_observed_when_nobody_listens_and_an_event_is_observed_once_something_does()
    {
        var request = await _app.HandshakeAsync(null, "/billing");
        var metrics = _app.App.Services.GetRequiredService<TetherMetrics>();

        // Another collection's ActivityListener may be on while this runs; the meter is this app's alone.
        if (!Tether.Diagnostics.TetherActivitySource.Source.HasListeners())
        {
            Assert.False(metrics.Observing);
            Assert.Null(await ObservationOfAsync(request));
        }

        using var durations = new MetricCollector<double>(Meters, TetherDiagnostics.MeterName, TetherMetrics.EventDuration);
        Assert.True(metrics.Observing);
        Assert.NotNull(await ObservationOfAsync(request));
    }

    [Fact]
    public async Task Revocations_pushed_to_open_connections_and_cookie_handoffs_issued_and_redeemed_are_counted()
    {
        using var pushed = new MetricCollector<long>(Meters, TetherDiagnostics.MeterName, TetherMetrics.RevocationsPushed);
        using var issued = new MetricCollector<long>(Meters, TetherDiagnostics.MeterName, TetherMetrics.CookieHandoffsIssued);
        using var redeemed = new MetricCollector<long>(Meters, TetherDiagnostics.MeterName, TetherMetrics.CookieHandoffsRedeemed);
        var metrics = _app.App.Services.GetRequiredService<TetherMetrics>();

        using var listeners = new Tether.Authentication.RevocationListeners(
            new Tether.Authentication.InProcessSignInRevocationBus(), NullLogger<Tether.Authentication.RevocationListeners>.Instance, metrics);
        using var first = listeners.Register(() => { });
        using var second = listeners.Register(() => { });
        first.Update("sign-in-1", "ada");
        second.Update("sign-in-2", "ada");
        listeners.Dispatch(new Tether.Authentication.SignInRevocation(null, "ada"));
        Assert.Equal(2, pushed.GetMeasurementSnapshot().Sum(m => m.Value));

        var store = _app.App.Services.GetRequiredService<Tether.Handoff.CookieHandoffStore>();
        const string Binding = "binding-cookie-value";
        var id = await store.StoreAsync(Tether.Handoff.BindingCookie.Hash(Binding)!, ["a=1; path=/"], DateTimeOffset.UtcNow.AddSeconds(20).UtcTicks);
        Assert.Equal(1, issued.GetMeasurementSnapshot().Sum(m => m.Value));

        var redemption = await _app.RedeemAsync(Binding, id);

        Assert.Equal(StatusCodes.Status204NoContent, redemption.Response.StatusCode);
        Assert.Equal(1, redeemed.GetMeasurementSnapshot().Sum(m => m.Value));
    }

    private Task<EventOutcome> RunAsync(EventOrigin origin, EventRequest request, Func<HttpContext, Task> handler)
        => _app.Bridge.RunAsync(origin, request, new ConnectionState(), handler, null, CancellationToken.None);

    private async Task<EventObservation?> ObservationOfAsync(EventRequest request)
    {
        EventObservation? observation = null;
        await _app.Bridge.RunAsync(request, new ConnectionState(), context =>
        {
            observation = (EventObservation?)context.Features.Get<EventFeature>()!.Observation;
            return Task.CompletedTask;
        });
        return observation;
    }
}
