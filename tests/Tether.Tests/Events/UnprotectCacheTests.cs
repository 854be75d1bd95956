using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Tether.Tests.Events;

public sealed class UnprotectCacheTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private readonly CountingDataProtectionProvider _counting = new();
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services => services.Configure<TetherOptions>(options =>
        {
            options.UnprotectCacheDuration = TimeSpan.FromMinutes(1);
            options.TimeProvider = _clock;
        }),
        cookies: options => options.DataProtectionProvider = _counting.Wrap(_app.App.Services.GetRequiredService<IDataProtectionProvider>()));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_connection_decrypts_its_authentication_cookie_once_and_still_authenticates_every_event()
    {
        using var alice = await _app.SignedInBrowserAsync("alice");
        var request = await alice.HandshakeAsync("/");
        var connection = new ConnectionState(_app.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TetherOptions>>().Value);
        var before = _counting.Unprotects;

        for (var i = 0; i < 10; i++)
        {
            var name = await _app.UserAsync(request, connection);
            Assert.Equal("alice", name);
        }

        Assert.Equal(1, _counting.Unprotects - before);

        // Another connection has a cache of its own.
        await _app.Bridge.RunAsync(request, new ConnectionState(), _ => Task.CompletedTask);
        Assert.Equal(2, _counting.Unprotects - before);
    }

    [Fact]
    public async Task A_revoked_key_ring_takes_effect_once_the_cached_entry_is_older_than_the_cache_duration()
    {
        using var bob = await _app.SignedInBrowserAsync("bob");
        var request = await bob.HandshakeAsync("/");
        var options = _app.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TetherOptions>>().Value;
        var connection = new ConnectionState(options);
        Assert.Equal("bob", await _app.UserAsync(request, connection));

        _app.App.Services.GetRequiredService<IKeyManager>().RevokeAllKeys(DateTimeOffset.UtcNow.AddMinutes(1), "test");

        // Data Protection refreshes its key ring in the background, so revocation lands a moment later for everyone.
        await WaitForAsync(async () => await _app.UserAsync(request, new ConnectionState(options)) is null);

        // The connection that already unprotected the cookie keeps it until its cache entry ages out, then loses it.
        Assert.Equal("bob", await _app.UserAsync(request, connection));
        _clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null(await _app.UserAsync(request, connection));
    }

    [Fact]
    public async Task A_ticket_read_again_after_it_left_the_ticket_cache_is_decrypted_afresh_so_a_revoked_key_still_ends_it_within_the_duration()
    {
        var options = _app.App.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<TetherOptions>>().Value;
        var connection = new ConnectionState(options);
        using var cy = await _app.SignedInBrowserAsync("cy");
        using var dee = await _app.SignedInBrowserAsync("dee");
        using var eve = await _app.SignedInBrowserAsync("eve");
        var first = await cy.HandshakeAsync("/");
        Assert.Equal("cy", await _app.UserAsync(first, connection));

        // Two more tickets on the connection push the first one out of its ticket cache (it keeps two).
        Assert.Equal("dee", await _app.UserAsync(await dee.HandshakeAsync("/"), connection));
        Assert.Equal("eve", await _app.UserAsync(await eve.HandshakeAsync("/"), connection));

        _app.App.Services.GetRequiredService<IKeyManager>().RevokeAllKeys(DateTimeOffset.UtcNow.AddMinutes(1), "test");
        await WaitForAsync(async () => await _app.UserAsync(first, new ConnectionState(options)) is null);

        // Read again half a duration later, and once more when a duration has passed since the revocation: the ticket
        // must not have been cached again from the payload decrypted before it.
        _clock.Advance(TimeSpan.FromSeconds(30));
        await _app.UserAsync(first, connection);
        _clock.Advance(TimeSpan.FromSeconds(50));
        Assert.Null(await _app.UserAsync(first, connection));
    }

    /// <summary>The app's real data protection, counting how often it actually decrypts.</summary>
    private sealed class CountingDataProtectionProvider
    {
        private int _unprotects;

        public int Unprotects => Volatile.Read(ref _unprotects);

        public IDataProtectionProvider Wrap(IDataProtectionProvider inner) => new Provider(this, inner);

        private sealed class Provider(CountingDataProtectionProvider owner, IDataProtectionProvider inner) : IDataProtectionProvider
        {
            public IDataProtector CreateProtector(string purpose) => new Protector(owner, inner.CreateProtector(purpose));
        }

        private sealed class Protector(CountingDataProtectionProvider owner, IDataProtector inner) : IDataProtector
        {
            public IDataProtector CreateProtector(string purpose) => new Protector(owner, inner.CreateProtector(purpose));

            public byte[] Protect(byte[] plaintext) => inner.Protect(plaintext);

            public byte[] Unprotect(byte[] protectedData)
            {
                Interlocked.Increment(ref owner._unprotects);
                return inner.Unprotect(protectedData);
            }
        }
    }
}
