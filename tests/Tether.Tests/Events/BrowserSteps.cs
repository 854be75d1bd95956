namespace Tether.Tests.Events;

/// <summary>What a browser does over HTTP on a <see cref="CoreTestApp"/> before a test's events: sign in, fill its session.</summary>
internal static class BrowserSteps
{
    /// <summary>A new browser, signed in as <paramref name="name"/>, in <paramref name="role"/> when one is given.</summary>
    public static async Task<CoreTestApp.Browser> SignedInBrowserAsync(this CoreTestApp app, string name, string? role = null)
    {
        var browser = app.NewBrowser();
        await browser.GetAsync("/signin?name=" + Uri.EscapeDataString(name) + (role is null ? string.Empty : "&role=" + Uri.EscapeDataString(role)));
        return browser;
    }

    /// <summary>
    /// A started hub client (<see cref="CoreTestApp.ConnectAsync"/>) with the cookies of a browser signed in as
    /// <paramref name="name"/>, in <paramref name="role"/> when one is given.
    /// </summary>
    public static async Task<HubConnection> ConnectSignedInAsync(this CoreTestApp app, string name, string? role = null, string hub = "/hubs/test", string? location = null)
    {
        using var browser = await app.SignedInBrowserAsync(name, role);
        return await app.ConnectAsync(browser.Cookies, hub, location);
    }

    /// <summary>The browser, once it put <paramref name="value"/> under <paramref name="key"/> in its session.</summary>
    public static async Task<CoreTestApp.Browser> WithSessionAsync(this CoreTestApp.Browser browser, string key, string value)
    {
        await browser.GetAsync("/session/set?key=" + Uri.EscapeDataString(key) + "&value=" + Uri.EscapeDataString(value));
        return browser;
    }

    /// <inheritdoc cref="WithSessionAsync(CoreTestApp.Browser, string, string)"/>
    public static async Task<CoreTestApp.Browser> WithSessionAsync(this Task<CoreTestApp.Browser> browser, string key, string value)
        => await (await browser).WithSessionAsync(key, value);
}
