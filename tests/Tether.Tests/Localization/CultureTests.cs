using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Tether.Tests.Localization;

/// <summary>
/// <c>events.UseRequestLocalization()</c>: the app's own <c>RequestLocalizationMiddleware</c> in the event pipeline sets the
/// culture of every event from that event's request, as it does for HTTP requests.
/// </summary>
public sealed class CultureTests : IAsyncLifetime
{
    private static readonly string[] s_cultures = ["en-US", "fr-FR", "de-DE"];
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(
        events: events => events.UseRequestLocalization(Localization),
        services: services => services.AddSignalR().AddTether(),
        map: app =>
        {
            app.MapHub<CultureHub>("/hubs/culture");

            // The standard switch: an HTTP endpoint sets the CookieRequestCultureProvider cookie.
            app.MapGet("/culture", (HttpContext context, string culture) =>
            {
                context.Response.Cookies.Append(
                    CookieRequestCultureProvider.DefaultCookieName,
                    CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)));
                return "ok";
            });
        });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_handler_runs_in_the_culture_of_the_culture_cookie_and_formats_dates_and_prices_with_it()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/culture?culture=fr-FR");
        var request = await browser.HandshakeAsync("/billing", new Dictionary<string, string> { ["Accept-Language"] = "de-DE" });

        var seen = await CultureOfAsync(request, new ConnectionState());

        // The cookie wins over Accept-Language, as over HTTP (CookieRequestCultureProvider comes before the header's).
        Assert.Equal("fr-FR|fr-FR", seen.Names);
        Assert.Equal((1234.5m).ToString("C", CultureInfo.GetCultureInfo("fr-FR")), seen.Price);
        Assert.Contains("€", seen.Price, StringComparison.Ordinal);
        Assert.Equal("24/12/2026", seen.Date);
    }

    [Fact]
    public async Task Without_a_culture_cookie_Accept_Language_of_the_handshake_sets_the_culture()
    {
        var request = await _app.HandshakeAsync(null, "/billing", new Dictionary<string, string> { ["Accept-Language"] = "de-DE,de;q=0.9" });

        var seen = await CultureOfAsync(request, new ConnectionState());

        Assert.Equal("de-DE|de-DE", seen.Names);
        Assert.Equal("24.12.2026", seen.Date);
    }

    [Fact]
    public async Task A_culture_set_over_http_reaches_the_connections_next_event_once_its_handshake_carries_the_cookie()
    {
        using var browser = _app.NewBrowser();
        var connection = new ConnectionState();
        var first = await _app.HandshakeAsync(null, "/billing"); // the browser has no cookie yet
        connection.Rebase(first.Cookies);
        Assert.Equal("en-US|en-US", (await CultureOfAsync(first, connection)).Names);

        // The language switch is an HTTP request: its Set-Cookie reaches the browser, not the open socket. The page
        // reloads (a new circuit) or the connection reconnects: either way the next handshake carries the cookie.
        await browser.GetAsync("/culture?culture=de-DE");
        var next = await browser.HandshakeAsync("/billing");
        connection.Rebase(next.Cookies);

        Assert.Equal("de-DE|de-DE", (await CultureOfAsync(next, connection)).Names);
    }

    [Fact]
    public async Task No_culture_leaks_into_the_next_event_of_the_connection_even_one_whose_request_has_no_culture()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/culture?culture=fr-FR");
        var french = await browser.HandshakeAsync("/billing");
        var plain = await _app.HandshakeAsync(null, "/billing");
        var connection = new ConnectionState();
        var before = CultureInfo.CurrentCulture;

        Assert.Equal("fr-FR|fr-FR", (await CultureOfAsync(french, connection)).Names);
        Assert.Same(before, CultureInfo.CurrentCulture);

        // A handler that sets a culture itself does not pass it on either.
        await _app.Bridge.RunAsync(french, connection, _ =>
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            return Task.CompletedTask;
        });
        Assert.Same(before, CultureInfo.CurrentCulture);

        Assert.Equal("en-US|en-US", (await CultureOfAsync(plain, connection)).Names);
    }

    [Fact]
    public async Task Each_hub_call_runs_in_its_own_requests_culture_and_leaves_none_to_the_next_call()
    {
        using var browser = _app.NewBrowser();
        await browser.GetAsync("/culture?culture=de-DE");
        await using var german = await _app.ConnectAsync(browser.Cookies, "/hubs/culture", "/billing");
        await using var plain = await _app.ConnectAsync(hub: "/hubs/culture", location: "/billing");

        Assert.Equal("de-DE|de-DE", await german.InvokeAsync<string>(nameof(CultureHub.Culture)));
        Assert.Equal("en-US|en-US", await plain.InvokeAsync<string>(nameof(CultureHub.Culture)));

        Assert.Equal("fr-FR", await plain.InvokeAsync<string>(nameof(CultureHub.SetCultureItself), "fr-FR"));
        Assert.Equal("en-US|en-US", await plain.InvokeAsync<string>(nameof(CultureHub.Culture)));
    }

    private static void Localization(RequestLocalizationOptions options)
        => options.SetDefaultCulture(s_cultures[0]).AddSupportedCultures(s_cultures).AddSupportedUICultures(s_cultures);

    private async Task<(string Names, string Price, string Date)> CultureOfAsync(EventRequest request, ConnectionState connection)
    {
        (string, string, string) seen = default;
        var outcome = await _app.Bridge.RunAsync(request, connection, _ =>
        {
            seen = (CultureInfo.CurrentCulture.Name + "|" + CultureInfo.CurrentUICulture.Name,
                1234.5m.ToString("C", CultureInfo.CurrentCulture),
                new DateOnly(2026, 12, 24).ToString("d", CultureInfo.CurrentCulture));
            return Task.CompletedTask;
        });
        Assert.True(outcome.HandlerRan);
        return seen;
    }
}
