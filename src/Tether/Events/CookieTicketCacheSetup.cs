using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tether.Events;

/// <summary>
/// Wraps every cookie scheme's ticket format in <see cref="EventTicketFormat"/>, the app's own format included. A
/// post-configure step, so it wraps what the app and the framework configured; when it runs before the framework's own
/// (<c>AddTether()</c> called before <c>AddCookie()</c>), it lets the framework's <see cref="PostConfigureCookieAuthenticationOptions"/>
/// make the format first, which that step does only when none is set, so the cookie is the framework's either way.
/// </summary>
/// <remarks>
/// Two consequences an app may notice. A post-configure of its own registered between <c>AddTether()</c> and
/// <c>AddCookie()</c> finds the framework's defaults already set, and a <c>DataProtectionProvider</c> it sets there no
/// longer reaches the ticket format (set it with <c>AddCookie(options => ...)</c> or <c>ConfigureApplicationCookie</c>,
/// which run first). And an app's own <c>TicketDataFormat</c> is called once per connection and cookie within
/// <see cref="TetherOptions.UnprotectCacheDuration"/>, not once per event: a check it makes inside <c>Unprotect</c>
/// belongs in <c>OnValidatePrincipal</c>, which runs on every event; <c>TimeSpan.Zero</c> turns the cache off.
/// </remarks>
internal sealed class CookieTicketCacheSetup(IDataProtectionProvider provider, IOptions<TetherOptions> options, IHttpContextAccessor accessor)
    : IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void PostConfigure(string? name, CookieAuthenticationOptions cookie)
    {
        if (options.Value.UnprotectCacheDuration <= TimeSpan.Zero || cookie.TicketDataFormat is EventTicketFormat)
        {
            return;
        }

        if (cookie.TicketDataFormat is null)
        {
            new PostConfigureCookieAuthenticationOptions(provider).PostConfigure(name ?? Options.DefaultName, cookie);
        }

        if (cookie.TicketDataFormat is { } format)
        {
            cookie.TicketDataFormat = new EventTicketFormat(format, accessor);
        }
    }
}
