using System.Reflection;

namespace Tether.Tests.Events;

public sealed class LoggingTests : IAsyncLifetime, IDisposable
{
    private readonly FakeLogCollector _logs = new();
    private readonly FakeLoggerProvider _provider;
    private CoreTestApp _app = null!;

    public LoggingTests() => _provider = new FakeLoggerProvider(_logs);

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services =>
        {
            services.AddLogging(logging => logging.AddProvider(_provider).AddFilter<FakeLoggerProvider>("Tether", LogLevel.Debug));
            services.AddSignalR().AddTether();
        },
        map: app => app.MapHub<TestHub>("/hubs/test"));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _provider.Dispose();

    [Fact]
    public async Task A_cookie_that_fails_to_unprotect_is_a_warning_once_per_connection_then_debug()
    {
        var request = await TamperedCookieHandshakeAsync();
        var first = new ConnectionState();
        var second = new ConnectionState();

        for (var i = 0; i < 3; i++)
        {
            await _app.Bridge.RunAsync(request, first, _ => Task.CompletedTask);
        }

        await _app.Bridge.RunAsync(request, second, _ => Task.CompletedTask);

        var failures = _logs.Tethers().Where(e => e.Id.Name?.StartsWith("AuthenticationFailed", StringComparison.Ordinal) == true).ToList();
        Assert.Equal(4, failures.Count);
        Assert.Equal(2, failures.Count(e => e.Level == LogLevel.Warning));
        Assert.Equal(2, failures.Count(e => e.Level == LogLevel.Debug));
    }

    [Fact]
    public async Task The_rejection_of_a_tampered_cookie_ends_with_its_reason_and_never_doubles_a_period()
    {
        var request = await TamperedCookieHandshakeAsync();
        var connection = new ConnectionState();

        await _app.Bridge.RunAsync(request, connection, _ => Task.CompletedTask);
        await _app.Bridge.RunAsync(request, connection, _ => Task.CompletedTask);

        var warning = Assert.Single(_logs.Named("AuthenticationFailed"));
        var again = Assert.Single(_logs.Named("AuthenticationFailedAgain"));
        foreach (var entry in new[] { warning, again })
        {
            Assert.DoesNotContain("..", entry.Message, StringComparison.Ordinal);
            Assert.Matches(@"\. Reason: \S", entry.Message);
        }

        Assert.StartsWith("The authentication cookie of an event was rejected, so the event runs as an anonymous user;", warning.Message, StringComparison.Ordinal);
        Assert.StartsWith("The authentication cookie of an event was rejected again on this connection,", again.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("No principal.")]
    [InlineData("Unprotect ticket failed")]
    [InlineData("Ticket expired")]
    public void An_authentication_failure_reads_without_a_doubled_period_whether_or_not_its_reason_ends_with_one(string reason)
    {
        var logger = new FakeLogger();

        TetherLog.AuthenticationFailed(logger, reason);
        TetherLog.AuthenticationFailedAgain(logger, reason);

        Assert.Equal(2, logger.Collector.Count);
        Assert.All(logger.Collector.GetSnapshot(), record =>
        {
            Assert.DoesNotContain("..", record.Message, StringComparison.Ordinal);
            Assert.EndsWith(" Reason: " + reason, record.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_hub_call_logs_inside_a_scope_naming_its_transport_connection_method_and_path()
    {
        var connection = await _app.ConnectAsync(location: "/orders?id=7");
        await using (connection)
        {
            await connection.InvokeAsync<Whoami>("Whoami");

            var started = Assert.Single(_logs.Named("EventStarted"), e => (string?)e.ScopeValue("HubMethod") == "Whoami");
            Assert.Equal("SignalR", started.ScopeValue("Transport"));
            Assert.Equal(connection.ConnectionId, started.ScopeValue("ConnectionId"));
            Assert.Equal("/orders", started.ScopeValue("Path"));
        }
    }

    [Fact]
    public void Every_log_message_takes_its_id_from_the_one_registry_and_no_two_share_one()
    {
        var assembly = typeof(EventBridge).Assembly;
        var registry = assembly.GetType("Tether.EventIds", throwOnError: false);
        Assert.NotNull(registry);
        var registered = registry.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);

        var messages = assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToList();

        Assert.NotEmpty(messages);
        foreach (var message in messages)
        {
            Assert.True(registered.TryGetValue(message.EventName!, out var id), $"{message.EventName} is not in EventIds.");
            Assert.Equal(id, message.EventId);
        }

        Assert.Equal(messages.Count, messages.Select(m => m.EventId).Distinct().Count());
    }

    private async Task<EventRequest> TamperedCookieHandshakeAsync()
    {
        using var zoe = await _app.SignedInBrowserAsync("zoe");
        var ticket = zoe.Cookies.GetCookies(_app.BaseAddress)[".AspNetCore.Cookies"]!.Value;
        var tampered = ticket[..^4] + (ticket[^4] == 'A' ? 'B' : 'A') + ticket[^3..];
        return await _app.HandshakeAsync($".AspNetCore.Cookies={tampered}", "/");
    }
}
