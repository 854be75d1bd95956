namespace Tether.Tests.Events;

public sealed class ReconnectTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(cookies: options =>
    {
        options.TimeProvider = _clock;
        options.ExpireTimeSpan = TimeSpan.FromMinutes(10);
        options.SlidingExpiration = true;
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_ticket_renewed_on_the_socket_does_not_outlive_a_sign_out_and_a_reconnect()
    {
        using var mia = await _app.SignedInBrowserAsync("mia");
        var first = await mia.HandshakeAsync("/");
        var connection = new ConnectionState();
        connection.Rebase(first.Cookies); // as the circuit handler does with every handshake of a circuit

        // Past half the ticket's lifetime the cookie handler renews it; a socket cannot deliver it, so the jar keeps it.
        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("mia", await _app.UserAsync(first, connection));
        Assert.NotEqual(first.Cookies[".AspNetCore.Cookies"], connection.Cookies(first.Cookies)[".AspNetCore.Cookies"]);

        // Signed out in another tab: the browser deleted the cookie, and the circuit reconnects without it.
        var second = await _app.HandshakeAsync(null, "/");
        connection.Rebase(second.Cookies);

        Assert.Null(await _app.UserAsync(second, connection));
    }
}
