using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Tether.SignalR;

namespace Tether.Tests.Handoff;

public sealed class HandoffHub : AppHub
{
    public void WriteSession(string key, string value) => Session.SetString(key, value);

    public string? ReadSession(string key) => Session.GetString(key);

    public string? ReadCookie(string name) => Request.Cookies[name];

    /// <summary>Sets a cookie with every attribute the handoff must carry over exactly.</summary>
    public void SetCookie(string name, string value) => Request.HttpContext.Response.Cookies.Append(name, value, new CookieOptions
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/shop",
        MaxAge = TimeSpan.FromHours(1),
    });

    public string Nothing() => "nothing";

    /// <summary>Signs in inside the call, as an interactive sign-in form would.</summary>
    public Task SignIn(string name) => Request.HttpContext.SignInAsync(new ClaimsPrincipal(
        new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme)));
}
