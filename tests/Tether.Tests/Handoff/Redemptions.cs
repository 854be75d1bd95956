using System.Text;
using Tether.Handoff;

namespace Tether.Tests.Handoff;

/// <summary>Redeems a cookie handoff on the app's own redemption endpoint, without Kestrel.</summary>
internal static class Redemptions
{
    /// <summary>
    /// A browser's same-origin form POST of <paramref name="id"/> with its binding cookie <paramref name="binding"/>; the
    /// returned context holds the endpoint's response.
    /// </summary>
    public static async Task<HttpContext> RedeemAsync(this CoreTestApp app, string binding, string id)
    {
        var redemption = new DefaultHttpContext();
        redemption.Request.Method = HttpMethods.Post;
        redemption.Request.Scheme = "http";
        redemption.Request.Host = new HostString("127.0.0.1:5000");
        redemption.Request.Headers.Origin = "http://127.0.0.1:5000";
        redemption.Request.Headers.Cookie = BindingCookie.Name + "=" + binding;
        redemption.Request.ContentType = "application/x-www-form-urlencoded";
        redemption.Request.Body = new MemoryStream(Encoding.ASCII.GetBytes("id=" + id));
        await app.App.Services.GetRequiredService<CookieRedemptionEndpoint>().InvokeAsync(redemption);
        return redemption;
    }
}
