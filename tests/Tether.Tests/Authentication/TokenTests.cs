using System.Threading.Channels;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.SignalR;

namespace Tether.Tests.Authentication;

/// <summary>
/// Tokens a cookie sign-in stored in its ticket (as <c>SaveTokens</c> does for OIDC; no identity provider runs here), read
/// and refreshed inside hub calls through <see cref="IHttpContextAccessor"/>, as a token-acquisition library does.
/// </summary>
public sealed class TokenTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        services: services => services.AddSignalR().AddTether(),
        map: app =>
        {
            app.MapHub<TokenHub>("/hubs/token");
            app.MapGet("/signin-tokens", async (HttpContext context, string token) =>
            {
                var properties = new AuthenticationProperties();
                properties.StoreTokens([new AuthenticationToken { Name = "access_token", Value = token }, new AuthenticationToken { Name = "refresh_token", Value = "r1" }]);
                await context.SignInAsync(new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, "tia")], "Cookies")), properties);
                return "ok";
            });
            app.MapGet("/token", async (HttpContext context) => await context.GetTokenAsync("access_token") ?? "(none)");
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task GetTokenAsync_in_a_hub_call_returns_the_tickets_token_and_a_refreshed_token_reaches_the_browsers_cookie()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/signin-tokens?token=a1");
        var handoffs = Channel.CreateUnbounded<(string Url, string Id)>();
        await using var hub = await _app.ConnectAsync(browser.Cookies, "/hubs/token", before: c => c.On<string, string>("tether:cookies", (url, id) => handoffs.Writer.TryWrite((url, id))));

        Assert.Equal("a1", await hub.InvokeAsync<string?>(nameof(TokenHub.Token)));

        await hub.InvokeAsync(nameof(TokenHub.Refresh), "a2");

        Assert.Equal("a2", await hub.InvokeAsync<string?>(nameof(TokenHub.Token)));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var (url, id) = await handoffs.Reader.ReadAsync(timeout.Token);
        await browser.RedeemAsync(id, url);
        Assert.Equal("a2", await browser.GetAsync("/token"));
    }
}

/// <summary>Reads and refreshes the access token as a library would: through the accessor, with no Tether API.</summary>
public sealed class TokenHub(IHttpContextAccessor accessor) : Hub
{
    public Task<string?> Token() => accessor.HttpContext!.GetTokenAsync("access_token");

    public async Task Refresh(string token)
    {
        var context = accessor.HttpContext!;
        var result = await context.AuthenticateAsync();
        result.Properties!.UpdateTokenValue("access_token", token);
        await context.SignInAsync(result.Principal!, result.Properties);
    }
}
