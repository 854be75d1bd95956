using Microsoft.AspNetCore.SignalR;
using Tether.SignalR;

namespace Tether.Tests.SignalR;

/// <summary>
/// How a call Tether refuses shows up in the log. SignalR's <c>DefaultHubDispatcher</c> logs every exception a hub filter
/// throws as <c>FailedInvokingHubMethod</c> (event id 8) at Error level, and a filter has no other way to fail a call;
/// docs/troubleshooting.md gives the logging filter these tests apply, and what else it hides.
/// </summary>
public sealed class RefusalLoggingTests : IDisposable
{
    private const string DispatcherCategory = "Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher";

    private readonly FakeLogCollector _logs = new();
    private readonly FakeLoggerProvider _provider;

    public RefusalLoggingTests() => _provider = new FakeLoggerProvider(_logs);

    public void Dispose() => _provider.Dispose();

    // A connection opened at a page the event pipeline refuses is closed (its OnConnectedAsync is refused): each test's
    // client connects at an open page, then moves.
    [Fact]
    public async Task A_refused_call_fails_on_the_client_with_tethers_message_and_signalr_logs_it_at_error_level_as_event_8()
    {
        await using var app = await StartAsync(documentedFilter: false);
        await using var connection = await ConnectAsync(app, movedTo: "/closed");

        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>(nameof(RefusalHub.Ping)));

        Assert.Contains("The call to 'Ping' was denied by the event pipeline (403).", denied.Message, StringComparison.Ordinal);
        Assert.Equal(0, RefusalHub.Pings);
        var failure = Assert.Single(_logs.GetSnapshot(), r => r.Category == DispatcherCategory && r.Level >= LogLevel.Error);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Equal(new EventId(8, "FailedInvokingHubMethod"), failure.Id);
        Assert.Equal("Failed to invoke hub method 'Ping'.", failure.Message);
        Assert.IsType<HubException>(failure.Exception);
    }

    [Fact]
    public async Task With_the_documented_filter_refused_calls_still_fail_on_the_client_but_leave_no_error_and_tethers_own_lines_stay()
    {
        await using var app = await StartAsync(documentedFilter: true);
        await using var connection = await ConnectAsync(app, movedTo: "/closed");

        var denied = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>(nameof(RefusalHub.Ping)));
        await connection.SetLocationAsync("https://evil.example/x");
        var refused = await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>(nameof(RefusalHub.Ping)));

        Assert.Contains("was denied by the event pipeline (403)", denied.Message, StringComparison.Ordinal);
        Assert.Contains("was refused: the page location the client reported is not a path on this app.", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, RefusalHub.Pings);
        var records = _logs.GetSnapshot();
        Assert.DoesNotContain(records, r => r.Level >= LogLevel.Error);
        Assert.DoesNotContain(records, r => r.Category == DispatcherCategory);
        Assert.Contains(records, r => r.Id.Name == "EventShortCircuited" && r.Level == LogLevel.Debug);
        Assert.Contains(records, r => r.Id.Name == "LocationRejected" && r.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task The_documented_filter_also_hides_a_hub_methods_own_exception_which_the_documented_error_filter_logs_again()
    {
        await using var app = await StartAsync(documentedFilter: true, errorFilter: true);
        await using var connection = await ConnectAsync(app);

        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>(nameof(RefusalHub.Fail)));
        await connection.SetLocationAsync("/closed");
        await Assert.ThrowsAsync<HubException>(() => connection.InvokeAsync<string>(nameof(RefusalHub.Ping)));

        var records = _logs.GetSnapshot();
        Assert.DoesNotContain(records, r => r.Category == DispatcherCategory);
        var error = Assert.Single(records, r => r.Level >= LogLevel.Error);
        Assert.Equal(typeof(HubErrorLog).FullName, error.Category);
        Assert.IsType<InvalidOperationException>(error.Exception);
    }

    /// <summary>A client of the refusal hub, connected at an open page, then moved to <paramref name="movedTo"/> when given.</summary>
    private static async Task<HubConnection> ConnectAsync(CoreTestApp app, string? movedTo = null)
    {
        var connection = await app.ConnectAsync(hub: "/hubs/refusal", location: "/open");
        if (movedTo is not null)
        {
            await connection.SetLocationAsync(movedTo);
        }

        return connection;
    }

    private async Task<CoreTestApp> StartAsync(bool documentedFilter, bool errorFilter = false)
    {
        RefusalHub.Pings = 0;
        return await CoreTestApp.StartAsync(
            events: events => events.Use(async (context, next) =>
            {
                if (context.Request.Path.StartsWithSegments("/closed"))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return;
                }

                await next(context);
            }),
            services: services =>
            {
                services.AddLogging(logging =>
                {
                    logging.AddProvider(_provider).SetMinimumLevel(LogLevel.Debug);
                    if (documentedFilter)
                    {
                        // The line docs/troubleshooting.md gives.
                        logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical);
                    }
                });
                services.AddSignalR(options =>
                {
                    if (errorFilter)
                    {
                        options.AddFilter<HubErrorLog>();
                    }
                }).AddTether();
            },
            map: app => app.MapHub<RefusalHub>("/hubs/refusal"));
    }
}

public sealed class RefusalHub : AppHub
{
    private static int s_pings;

    public static int Pings
    {
        get => Volatile.Read(ref s_pings);
        set => Volatile.Write(ref s_pings, value);
    }

    public string Ping()
    {
        Interlocked.Increment(ref s_pings);
        return "pong";
    }

    public string Fail() => throw new InvalidOperationException("A bug in a hub method.");
}

/// <summary>The hub filter docs/troubleshooting.md suggests: a hub method's own exceptions logged at Error once more.</summary>
public sealed partial class HubErrorLog(ILogger<HubErrorLog> logger) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext);
        }
        catch (Exception ex) when (ex is not HubException)
        {
            LogFailed(logger, invocationContext.HubMethodName, ex);
            throw;
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Hub method '{Method}' failed.")]
    private static partial void LogFailed(ILogger logger, string method, Exception exception);
}
