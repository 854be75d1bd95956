using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tether.Events;

namespace Tether.Handoff;

/// <summary>
/// The binding cookie: what ties a cookie handoff, and a circuit's resync, to the one browser that holds the connection.
/// </summary>
/// <remarks>
/// <para>
/// It is random, HttpOnly, SameSite=Strict, set by the handshake guard on the connection's negotiate or handshake
/// response when the browser has none, and read from the connection's handshake. A redemption or a resync must carry the
/// same binding cookie. So an attacker who learns an id (from a log, a proxy, a browser extension) cannot use it from
/// their own browser: they lack the victim's binding cookie, which scripts cannot read and cross-site requests do not
/// send. The attacker's own ids cannot be pushed into the victim's browser (login CSRF) either, because they are bound to
/// the attacker's binding cookie.
/// </para>
/// <para>
/// The session cookie was not chosen as the binding: the first event of a connection often creates the session, so
/// there is none to bind to, and session ids rotate at sign-in and sign-out, exactly the events that hand cookies off.
/// </para>
/// <para>Concurrency: stateless; every member is safe to call from any thread.</para>
/// </remarks>
internal static class BindingCookie
{
    /// <summary>The binding cookie on HTTPS: the <c>__Host-</c> prefix pins it to this host, path <c>/</c> and Secure.</summary>
    public const string SecureName = "__Host-tether-bind";

    /// <summary>The binding cookie on plain HTTP (development).</summary>
    public const string Name = "tether-bind";

    /// <summary>The length of its value, as of a handoff id: 256 random bits.</summary>
    private const int ValueBytes = 32;

    /// <summary>The binding cookie's name for a request of <paramref name="scheme"/>.</summary>
    public static string NameFor(string scheme)
        => string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? SecureName : Name;

    /// <summary>The hash of a binding cookie value, as stored with a handoff; <see langword="null"/> without one.</summary>
    public static byte[]? Hash(string? value)
        => string.IsNullOrEmpty(value) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>The hash of the binding cookie <paramref name="request"/> carries; <see langword="null"/> without one.</summary>
    public static byte[]? HashOf(HttpRequest request) => Hash(request.Cookies[NameFor(request.Scheme)]);

    /// <summary>The binding cookie a connection's handshake carried; <see langword="null"/> without one.</summary>
    public static string? ValueOf(EventRequest handshake)
        => handshake.Cookies.TryGetValue(NameFor(handshake.Scheme), out var value) ? value : null;

    /// <summary>Gives a browser that opens a socket without a binding cookie a new one, on the handshake's response.</summary>
    public static void Ensure(HttpContext context)
    {
        var request = context.Request;
        var name = NameFor(request.Scheme);
        if (request.Cookies.ContainsKey(name))
        {
            return;
        }

        context.Response.Cookies.Append(name, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(ValueBytes)), new CookieOptions
        {
            HttpOnly = true,
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
    }
}
