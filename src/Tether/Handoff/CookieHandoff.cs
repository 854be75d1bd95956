using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Tether.Handoff;

/// <summary>
/// Hands the cookies that an event's pipeline set over to the browser. A socket cannot carry <c>Set-Cookie</c>, so the
/// headers are stored in the app's <see cref="IDistributedCache"/> under a one-time id, the browser is told the id over
/// the connection, and it redeems the id with a same-origin POST whose response carries the real headers.
/// </summary>
/// <remarks>
/// <para>
/// An id is 256 random bits, lives at most <see cref="TetherOptions.CookieHandoffLifetime"/> (30 s), is deleted when
/// redeemed, and is stored only as its SHA-256 hash, so the store's keys do not reveal it. It is never logged.
/// </para>
/// <para>
/// It is bound to the browser that holds the connection by a binding cookie: random, HttpOnly, SameSite=Strict,
/// set by the handshake guard on the connection's negotiate or handshake response when the browser has none, and read
/// from the connection's handshake. A redemption must carry the same binding cookie. So an attacker who learns an id
/// (from a log, a proxy, a browser extension) cannot redeem it from their own browser: they lack the victim's binding
/// cookie, which scripts cannot read and cross-site requests do not send. A page that tricks the victim's browser into
/// redeeming fails the Origin check, and the attacker's own ids cannot be pushed into the victim's browser (login CSRF)
/// because they are bound to the attacker's binding cookie. Whoever redeems, the <c>Set-Cookie</c> headers go to the
/// browser's cookie store only: they are a forbidden response header for scripts, so the auth cookie never becomes
/// readable.
/// </para>
/// <para>
/// The session cookie was not chosen as the binding: the first event of a connection often creates the session, so
/// there is none to bind to, and session ids rotate at sign-in and sign-out, exactly the events that hand cookies off.
/// </para>
/// </remarks>
internal sealed class CookieHandoff
{
    /// <summary>The binding cookie on HTTPS: the <c>__Host-</c> prefix pins it to this host, path <c>/</c> and Secure.</summary>
    public const string SecureBindingCookieName = "__Host-tether-bind";

    /// <summary>The binding cookie on plain HTTP (development).</summary>
    public const string BindingCookieName = "tether-bind";

    private const string KeyPrefix = "Tether.CookieHandoff:";
    private const int IdBytes = 32;
    private const int IdLength = 43;
    private const int MaxBodyLength = 512;
    private const byte FormatVersion = 1;

    private readonly IDistributedCache? _cache;
    private readonly TetherOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CookieHandoff> _logger;
    private readonly Diagnostics.TetherMetrics? _metrics;

    public CookieHandoff(IServiceProvider services, IOptions<TetherOptions> options, ILogger<CookieHandoff> logger)
    {
        _metrics = services.GetService<Diagnostics.TetherMetrics>();
        _options = options.Value;
        _time = _options.TimeProvider;
        _logger = logger;
        _cache = _options.CookieHandoffPath.HasValue ? services.GetService<IDistributedCache>() : null;
    }

    /// <summary>Whether cookies can be handed off: a path is configured and a store is registered.</summary>
    public bool Enabled => _cache is not null;

    public TimeSpan Lifetime => _options.CookieHandoffLifetime;

    public TimeProvider Time => _time;

    public ILogger Logger => _logger;

    /// <summary>Counts a handoff the store could not take.</summary>
    public void StoreFailed(Exception exception) => _metrics?.StoreFailed("cookie_handoff.store", exception);

    public static string BindingCookieNameFor(string scheme)
        => string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? SecureBindingCookieName : BindingCookieName;

    /// <summary>Says at start-up when no store makes the handoff possible (its options are checked with the others).</summary>
    public void WarnIfNoStore()
    {
        if (_options.CookieHandoffPath.HasValue && _cache is null)
        {
            CookieHandoffLog.NoStore(_logger);
        }
    }

    /// <summary>
    /// Creates the handoff channel of a connection, or <see langword="null"/> when the handoff is off.
    /// </summary>
    /// <param name="handshake">The connection's handshake.</param>
    /// <param name="notify">Tells the connection's browser to redeem an id at a URL (path base and path).</param>
    public CookieHandoffChannel? CreateChannel(EventRequest handshake, Func<string, string, Task> notify)
        => Enabled ? new CookieHandoffChannel(this, handshake, handshake.PathBase.Add(_options.CookieHandoffPath).Value!, notify) : null;

    /// <summary>The hash of a binding cookie value, as stored with a handoff; <see langword="null"/> without one.</summary>
    public static byte[]? BindingHash(string? value)
        => string.IsNullOrEmpty(value) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(value));

    /// <summary>Gives a browser that opens a socket without a binding cookie a new one, on the handshake's response.</summary>
    public void EnsureBindingCookie(HttpContext context)
    {
        if (!Enabled)
        {
            return;
        }

        var request = context.Request;
        var name = BindingCookieNameFor(request.Scheme);
        if (request.Cookies.ContainsKey(name))
        {
            return;
        }

        context.Response.Cookies.Append(name, Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IdBytes)), new CookieOptions
        {
            HttpOnly = true,
            SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Strict,
            Secure = request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
    }

    /// <summary>
    /// Stores <paramref name="setCookies"/> under a new id bound to <paramref name="binding"/>, until
    /// <paramref name="expires"/> (UTC ticks), and returns the id.
    /// </summary>
    public async Task<string> StoreAsync(byte[] binding, string[] setCookies, long expires)
    {
        var lifetime = TimeSpan.FromTicks(expires - _time.GetUtcNow().UtcTicks);
        if (lifetime <= TimeSpan.Zero)
        {
            throw new TimeoutException("The cookies' handoff expired before the handoffs queued before it were delivered.");
        }

        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(IdBytes));

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(FormatVersion);
            writer.Write(binding);
            writer.Write(expires);
            writer.Write(setCookies.Length);
            foreach (var cookie in setCookies)
            {
                writer.Write(cookie);
            }
        }

        await _cache!.SetAsync(
            Key(id),
            buffer.ToArray(),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime });
        CookieHandoffLog.Stored(_logger, setCookies.Length);
        _metrics?.CookieHandoffIssued();
        return id;
    }

    /// <summary>
    /// The redemption endpoint: a same-origin POST of <c>id=...</c> with the binding cookie of the connection that
    /// produced the id. Answers 204 with the event's <c>Set-Cookie</c> headers, or a 4xx that sets nothing.
    /// </summary>
    public async Task RedeemAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";

        if (!HttpMethods.IsPost(request.Method))
        {
            response.Headers.Allow = HttpMethods.Post;
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "not a POST");
            return;
        }

        if (!IsSameOrigin(request))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "foreign or missing Origin");
            return;
        }

        if (!request.HasFormContentType)
        {
            await RefuseAsync(context, StatusCodes.Status415UnsupportedMediaType, "not a form post");
            return;
        }

        var id = await ReadIdAsync(request, context.RequestAborted);
        if (id is null)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "malformed id");
            return;
        }

        var binding = BindingHash(request.Cookies[BindingCookieNameFor(request.Scheme)]);
        if (binding is null)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "no binding cookie");
            return;
        }

        if (_cache is null)
        {
            await RefuseAsync(context, StatusCodes.Status404NotFound, "the handoff is off");
            return;
        }

        var key = Key(id);
        var stored = await _cache.GetAsync(key, context.RequestAborted);
        if (stored is null || !TryRead(stored, out var storedBinding, out var expires, out var setCookies))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "unknown, used or expired id");
            return;
        }

        if (expires <= _time.GetUtcNow().UtcTicks)
        {
            await _cache.RemoveAsync(key, context.RequestAborted);
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "unknown, used or expired id");
            return;
        }

        // A mismatch leaves the entry in place: whoever holds a stolen id must not be able to spoil it for its owner.
        if (!CryptographicOperations.FixedTimeEquals(storedBinding, binding))
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "the id belongs to another connection");
            return;
        }

        // Single use: removed before the cookies are sent. Two redemptions racing on different nodes would both need
        // this browser's binding cookie, so at worst the same browser receives the same cookies twice.
        await _cache.RemoveAsync(key, context.RequestAborted);
        response.Headers.Append(HeaderNames.SetCookie, new StringValues(setCookies));
        response.StatusCode = StatusCodes.Status204NoContent;
        CookieHandoffLog.Redeemed(_logger, setCookies.Length);
        _metrics?.CookieHandoffRedeemed();
    }

    internal bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin;
        if (origin.Count == 0)
        {
            // Browsers send Origin on every POST; only non-browser clients omit it, and they still need the binding cookie.
            return _options.AllowRequestsWithoutOrigin;
        }

        return origin.Count == 1
            && Uri.TryCreate(origin[0], UriKind.Absolute, out var uri)
            && uri.AbsolutePath == "/"
            && SameOrigin.Matches(uri, request.Scheme, request.Host);
    }

    internal static async Task<string?> ReadIdAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBodyLength)
        {
            return null;
        }

        var buffer = new char[MaxBodyLength + 1];
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyLength)
        {
            return null;
        }

        var form = QueryHelpers.ParseQuery(new string(buffer, 0, length));
        return form.TryGetValue("id", out var values) && values.Count == 1 && values[0] is { Length: IdLength } id
            && Base64Url.IsValid(id, out var decoded) && decoded == IdBytes
            ? id
            : null;
    }

    internal Task RefuseAsync(HttpContext context, int statusCode, string reason)
    {
        CookieHandoffLog.Refused(_logger, reason);
        context.Response.StatusCode = statusCode;
        return Task.CompletedTask;
    }

    private static string Key(string id) => KeyPrefix + Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(id)));

    private static bool TryRead(byte[] stored, out byte[] binding, out long expires, out string[] setCookies)
    {
        binding = [];
        expires = 0;
        setCookies = [];
        try
        {
            using var reader = new BinaryReader(new MemoryStream(stored), Encoding.UTF8);
            if (reader.ReadByte() != FormatVersion)
            {
                return false;
            }

            binding = reader.ReadBytes(32);
            expires = reader.ReadInt64();
            var count = reader.ReadInt32();
            if (count is < 0 or > 1000)
            {
                return false;
            }

            setCookies = new string[count];
            for (var i = 0; i < count; i++)
            {
                setCookies[i] = reader.ReadString();
            }

            return binding.Length == 32;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException or ArgumentException)
        {
            // A corrupt or foreign entry is refused like an unknown id, never a server error.
            return false;
        }
    }
}
