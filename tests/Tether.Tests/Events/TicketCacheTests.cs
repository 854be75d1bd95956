using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;

namespace Tether.Tests.Events;

/// <summary>
/// A connection's events read its authentication cookie's ticket once, and each event still gets a user of its own:
/// the app's own ticket format, counted, under Tether's per-connection ticket cache.
/// </summary>
public sealed class TicketCacheTests : IAsyncLifetime
{
    private readonly CountingTicketFormat _counting = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        cookies: options => options.TicketDataFormat = _counting.Wrap(new TicketDataFormat(
            _app.App.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("Tether.Tests.TicketCacheTests"))));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_connection_reads_its_authentication_ticket_once_and_another_connection_reads_its_own()
    {
        using var alice = await _app.SignedInBrowserAsync("alice");
        var request = await alice.HandshakeAsync("/");
        var connection = new ConnectionState();
        var before = _counting.Unprotects;

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal("alice", await _app.UserAsync(request, connection));
        }

        Assert.Equal(1, _counting.Unprotects - before);
        Assert.Equal("alice", await _app.UserAsync(request, new ConnectionState()));
        Assert.Equal(2, _counting.Unprotects - before);
    }

    [Fact]
    public async Task A_claim_an_event_adds_to_its_user_is_not_on_the_next_events_user()
    {
        using var bob = await _app.SignedInBrowserAsync("bob");
        var request = await bob.HandshakeAsync("/");
        var connection = new ConnectionState();
        await _app.UserAsync(request, connection);

        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            ((ClaimsIdentity)Current.User().Identity!).AddClaim(new Claim("added-by-an-event", "yes"));
            return Task.CompletedTask;
        });

        string? added = "unread";
        string? name = null;
        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            added = Current.User().FindFirstValue("added-by-an-event");
            name = Current.User().Identity?.Name;
            return Task.CompletedTask;
        });
        Assert.Null(added);
        Assert.Equal("bob", name);
    }

    /// <summary>The app's ticket format, counting how often it actually reads a cookie.</summary>
    private sealed class CountingTicketFormat
    {
        private int _unprotects;

        public int Unprotects => Volatile.Read(ref _unprotects);

        public ISecureDataFormat<AuthenticationTicket> Wrap(ISecureDataFormat<AuthenticationTicket> inner) => new Format(this, inner);

        private sealed class Format(CountingTicketFormat owner, ISecureDataFormat<AuthenticationTicket> inner) : ISecureDataFormat<AuthenticationTicket>
        {
            public string Protect(AuthenticationTicket data) => inner.Protect(data);

            public string Protect(AuthenticationTicket data, string? purpose) => inner.Protect(data, purpose);

            public AuthenticationTicket? Unprotect(string? protectedText) => Unprotect(protectedText, null);

            public AuthenticationTicket? Unprotect(string? protectedText, string? purpose)
            {
                Interlocked.Increment(ref owner._unprotects);
                return inner.Unprotect(protectedText, purpose);
            }
        }
    }
}
