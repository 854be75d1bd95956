using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using static Tether.Ambient;

namespace Tether.Tests.Authentication;

/// <summary>
/// Revocable sign-in on the framework's own <see cref="MemoryDistributedCache"/>, which the sign-in check reads without a
/// task (the other tests wrap the cache to record it, which takes the ordinary path): a revoked user or a signed-out
/// sign-in is anonymous on the next event of a connection that stays open.
/// </summary>
public sealed class InProcessSignInTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await RevocableSignInTests.StartAsync(services: services =>
    {
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions()))));
        services.Replace(ServiceDescriptor.Singleton<IDistributedCacheCompareAndSet>(
            static services => new InProcessCompareAndSet(services.GetRequiredService<IDistributedCache>())));
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task On_the_memory_cache_a_revoked_user_and_a_signed_out_sign_in_are_anonymous_on_their_open_connections_next_event()
    {
        Assert.IsType<MemoryDistributedCache>(_app.App.Services.GetRequiredService<IDistributedCache>());
        using var laptop = await _app.SignedInBrowserAsync("ann");
        using var phone = await _app.SignedInBrowserAsync("ann");
        using var other = await _app.SignedInBrowserAsync("ben");
        var open = new[]
        {
            (await laptop.HandshakeAsync("/"), new ConnectionState()),
            (await phone.HandshakeAsync("/"), new ConnectionState()),
            (await other.HandshakeAsync("/"), new ConnectionState()),
        };
        Assert.Equal("ann,ann,ben", await UsersAsync(open));

        await other.GetAsync("/revoke-user?name=ann");
        Assert.Equal("-,-,ben", await UsersAsync(open));

        await other.GetAsync("/signout");
        Assert.Equal("-,-,-", await UsersAsync(open));
    }

    private async Task<string> UsersAsync((EventRequest Request, ConnectionState Connection)[] open)
    {
        var users = new List<string>();
        foreach (var (request, connection) in open)
        {
            string? user = null;
            await _app.Bridge.RunAsync(request, connection, _ =>
            {
                user = Current.User().Identity?.Name;
                return Task.CompletedTask;
            });
            users.Add(user ?? "-");
        }

        return string.Join(",", users);
    }
}
