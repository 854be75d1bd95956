using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tether.Authentication;
using Tether.Events;

namespace Tether.Store;

/// <summary>
/// The first step of the event pipeline when the app's cache can read in batches: it works out which store entries the
/// event's session and authentication middleware are about to read (the session, the sign-in and user records), reads
/// them in one round trip, and leaves them in an <see cref="EventStoreReads"/> for <see cref="EventStoreCache"/> to serve.
/// </summary>
/// <remarks>
/// The keys come from the event's cookies exactly as the middleware will derive them: the session key is the session
/// cookie unprotected with <c>SessionMiddleware</c>'s purpose, and the sign-in records are named from the ticket the
/// cookie scheme will unprotect. Both unprotects go through the connection's unprotect cache, which the middleware then
/// hits, so an established connection decrypts nothing more. A cookie that does not unprotect adds no key; the
/// middleware then fails it exactly as it would have.
/// </remarks>
internal sealed class EventStorePrefetch
{
    private readonly IDistributedCacheBatchReader _reader;
    private readonly string? _sessionCookie;
    private readonly IDataProtector? _sessionProtector;
    private readonly RevocableScheme? _scheme;
    private readonly SignInStore? _signIns;

    public EventStorePrefetch(IServiceProvider services, IDistributedCacheBatchReader reader, IDataProtectionProvider? sessionProtection, bool authentication)
    {
        _reader = reader;
        if (sessionProtection is not null)
        {
            _sessionCookie = services.GetRequiredService<IOptions<SessionOptions>>().Value.Cookie.Name;
            _sessionProtector = sessionProtection.CreateProtector(nameof(SessionMiddleware));
        }

        if (authentication)
        {
            _scheme = services.GetService<RevocableScheme>();
            _signIns = services.GetService<SignInStore>();
        }
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var keys = KeysOf(context);
        if (keys.Length > 0)
        {
            EventStoreReads reads;
            try
            {
                reads = EventStoreReads.Read(keys, await _reader.GetManyAsync(keys, context.RequestAborted));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                // Not handled here: each reader of these entries fails as it would have on its own read (the session with
                // SessionUnavailableException, the sign-in check by rejecting the ticket), without a second wait.
                reads = EventStoreReads.Failed(keys, ex);
            }

            context.Features.Set(reads);
        }

        await next(context);
    }

    // The connection's item under which its last event's store keys are kept.
    private static readonly object s_keysItem = new();

    private string[] KeysOf(HttpContext context)
    {
        var sessionCookie = _sessionProtector is not null && _sessionCookie is not null && context.Request.Cookies[_sessionCookie] is { Length: > 0 } session
            ? session
            : null;
        var options = _scheme?.Cookie;
        var authCookie = _signIns is not null && options is { SessionStore: null, Cookie.Name: { } name }
            && options.CookieManager.GetRequestCookie(context, name) is { Length: > 0 } auth
            ? auth
            : null;

        // An established connection sends the same cookies event after event: the keys its last event derived still hold.
        var connection = context.Features.Get<EventFeature>()?.Connection;
        var keys = connection is not null && connection.Items.TryGetValue(s_keysItem, out var item) ? (EventStoreKeys)item : null;
        if (keys is null || keys.SessionCookie != sessionCookie || keys.AuthCookie != authCookie)
        {
            var (signInKey, userKey, expires) = authCookie is null ? default : SignInKeys(options!, authCookie);
            keys = new EventStoreKeys(sessionCookie, sessionCookie is null ? null : SessionKey(sessionCookie), authCookie, signInKey, userKey, expires);
            if (connection is not null)
            {
                connection.Items[s_keysItem] = keys;
            }
        }

        // An expired ticket is refused by the handler before it reads anything.
        var signedIn = keys.SignInKey is not null && !(keys.Expires < DateTimeOffset.UtcNow);
        var count = (keys.SessionKey is null ? 0 : 1) + (signedIn ? 1 : 0) + (signedIn && keys.UserKey is not null ? 1 : 0);
        if (count == 0)
        {
            return [];
        }

        var result = new string[count];
        var i = 0;
        if (keys.SessionKey is { } sessionKey)
        {
            result[i++] = sessionKey;
        }

        if (signedIn)
        {
            result[i++] = keys.SignInKey!;
            if (keys.UserKey is { } userKey)
            {
                result[i] = userKey;
            }
        }

        return result;
    }

    private string? SessionKey(string cookie)
    {
        // SessionMiddleware's cookie format: base64 of the protected key, with its padding trimmed.
        try
        {
            var padding = (4 - (cookie.Length % 4)) % 4;
            var bytes = Convert.FromBase64String(padding == 0 ? cookie : cookie + new string('=', padding));
            return Encoding.UTF8.GetString(_sessionProtector!.Unprotect(bytes));
        }
        catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private (string? SignInKey, string? UserKey, DateTimeOffset? Expires) SignInKeys(CookieAuthenticationOptions options, string cookie)
    {
        AuthenticationTicket? ticket;
        try
        {
            ticket = options.TicketDataFormat.Unprotect(cookie);
        }
        catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException)
        {
            return default;
        }

        return ticket?.Properties.GetSignInId() is { } signInId
            ? (_signIns!.SignInKey(signInId), _scheme!.UserId(ticket.Principal) is { } userId ? _signIns.UserKey(userId) : null, ticket.Properties.ExpiresUtc)
            : default;
    }
}
