using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tether.Events;

/// <summary>
/// Routes every cookie authentication scheme's data protection through <see cref="EventDataProtectionProvider"/>.
/// A configure step, so it runs before the framework's post-configure step builds the ticket format from it; an app
/// that sets its own provider later keeps it, uncached.
/// </summary>
internal sealed class CookieUnprotectCacheSetup(IDataProtectionProvider provider, IOptions<TetherOptions> options, IHttpContextAccessor accessor)
    : IConfigureNamedOptions<CookieAuthenticationOptions>
{
    public void Configure(string? name, CookieAuthenticationOptions cookie)
    {
        cookie.DataProtectionProvider = EventDataProtectionProvider.For(cookie.DataProtectionProvider ?? provider, options.Value, accessor);
    }

    public void Configure(CookieAuthenticationOptions options) => Configure(Options.DefaultName, options);
}
