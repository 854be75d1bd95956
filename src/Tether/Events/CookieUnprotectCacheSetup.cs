using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tether.Events;

/// <summary>
/// Puts every cookie authentication scheme behind the connection's caches: its data protection through
/// <see cref="EventDataProtectionProvider"/>, and its ticket format through <see cref="EventTicketFormat"/>.
/// </summary>
/// <remarks>
/// <para>
/// The data protection is wrapped in a configure step, so it runs before the framework's post-configure step builds the
/// ticket format from it; an app that sets its own provider later keeps it, uncached.
/// </para>
/// <para>
/// The ticket format, the app's own included, is wrapped in a post-configure step, so it wraps what the app and the
/// framework configured. When that step runs before the framework's own (<c>AddTether()</c> called before
/// <c>AddCookie()</c>), it lets the framework's <see cref="PostConfigureCookieAuthenticationOptions"/> make the format
/// first, which that step does only when none is set, so the cookie is the framework's either way. Two consequences an
/// app may notice: a post-configure of its own registered between <c>AddTether()</c> and <c>AddCookie()</c> finds the
/// framework's defaults already set, and a <c>DataProtectionProvider</c> it sets there no longer reaches the ticket
/// format (set it with <c>AddCookie(options => ...)</c> or <c>ConfigureApplicationCookie</c>, which run first); and an
/// app's own <c>TicketDataFormat</c> is called once per connection and cookie within
/// <see cref="TetherOptions.UnprotectCacheDuration"/>, not once per event: a check it makes inside <c>Unprotect</c>
/// belongs in <c>OnValidatePrincipal</c>, which runs on every event. <c>TimeSpan.Zero</c> turns both caches off.
/// </para>
/// </remarks>
internal sealed class CookieUnprotectCacheSetup(IDataProtectionProvider provider, IOptions<TetherOptions> options, IHttpContextAccessor accessor)
    : IConfigureNamedOptions<CookieAuthenticationOptions>, IPostConfigureOptions<CookieAuthenticationOptions>
{
    public void Configure(string? name, CookieAuthenticationOptions cookie)
    {
        cookie.DataProtectionProvider = EventDataProtectionProvider.For(cookie.DataProtectionProvider ?? provider, options.Value, accessor);
    }

    public void Configure(CookieAuthenticationOptions options) => Configure(Options.DefaultName, options);

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
