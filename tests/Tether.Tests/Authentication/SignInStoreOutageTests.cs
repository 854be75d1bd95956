using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Tether.Tests.Authentication;

/// <summary>The sign-in records cannot be read while the session store still works.</summary>
public sealed class SignInStoreOutageTests : IAsyncLifetime, IDisposable
{
    private readonly RecordingCache _cache = new(new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions())));
    private readonly FakeLogCollector _logs = new();
    private readonly FakeLoggerProvider _provider;
    private CoreTestApp _app = null!;

    public SignInStoreOutageTests() => _provider = new FakeLoggerProvider(_logs);

    public async Task InitializeAsync() => _app = await RevocableSignInTests.StartAsync(services: services =>
    {
        services.Replace(ServiceDescriptor.Singleton<IDistributedCache>(_cache));
        services.AddSingleton<ILoggerProvider>(_provider);
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _provider.Dispose();

    [Fact]
    public async Task An_unreachable_sign_in_store_makes_events_anonymous_with_a_warning_and_the_hub_connection_survives()
    {
        using var browser = await _app.SignedInBrowserAsync("olga").WithSessionAsync("cart", "hat");
        var request = await browser.HandshakeAsync("/");
        await using var connection = await _app.ConnectAsync(browser.Cookies);
        Assert.Equal("olga", (await connection.InvokeAsync<Whoami>("Whoami")).User);

        _cache.UnreadablePrefix = "tether:signin:";
        string? user = "unset";
        var outcome = await _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            user = Current.User().Identity?.IsAuthenticated == true ? Current.User().Identity!.Name : null;
            return Task.CompletedTask;
        });
        var me = await connection.InvokeAsync<Whoami>("Whoami");

        Assert.True(outcome.HandlerRan);
        Assert.Null(user);
        Assert.Null(me.User);
        Assert.Equal(HubConnectionState.Connected, connection.State);
        Assert.Contains(_logs.Named("SignInStoreUnavailable"), e => e.Level == LogLevel.Warning);
        Assert.Equal(HttpStatusCode.OK, (await browser.Client.GetAsync("/session/get?key=cart")).StatusCode);

        _cache.UnreadablePrefix = null;
        Assert.Equal("olga", (await connection.InvokeAsync<Whoami>("Whoami")).User);
    }

    [Fact]
    public async Task A_sign_out_while_the_sign_in_store_is_down_fails_instead_of_pretending_and_revokes_once_it_is_back()
    {
        using var browser = await _app.SignedInBrowserAsync("pia");
        var request = await browser.HandshakeAsync("/");

        _cache.UnreadablePrefix = "tether:signin:";
        var failed = await browser.Client.GetAsync("/signout");
        _cache.UnreadablePrefix = null;

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.False(failed.Headers.Contains("Set-Cookie"), "A failed sign-out must not delete the cookie as if it had worked.");
        Assert.Equal("pia", await _app.UserAsync(request));

        await browser.GetAsync("/signout");
        Assert.Null(await _app.UserAsync(request));
    }
}
