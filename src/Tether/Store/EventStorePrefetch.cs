using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tether.Authentication;

namespace Tether;

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
        if (keys.Count > 0)
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

    private List<string> KeysOf(HttpContext context)
    {
        var keys = new List<string>(3);
        if (_sessionProtector is not null && _sessionCookie is not null
            && context.Request.Cookies[_sessionCookie] is { Length: > 0 } sessionCookie
            && SessionKey(sessionCookie) is { } sessionKey)
        {
            keys.Add(sessionKey);
        }

        if (_scheme is not null && _signIns is not null)
        {
            AddSignInKeys(context, keys);
        }

        return keys;
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

    private void AddSignInKeys(HttpContext context, List<string> keys)
    {
        var options = _scheme!.Cookie;
        if (options.SessionStore is not null || options.Cookie.Name is not { } name
            || options.CookieManager.GetRequestCookie(context, name) is not { Length: > 0 } cookie)
        {
            return;
        }

        AuthenticationTicket? ticket;
        try
        {
            ticket = options.TicketDataFormat.Unprotect(cookie);
        }
        catch (Exception ex) when (ex is FormatException or System.Security.Cryptography.CryptographicException)
        {
            return;
        }

        if (ticket?.Properties.GetSignInId() is not { } signInId
            || ticket.Properties.ExpiresUtc is { } expires && expires < DateTimeOffset.UtcNow)
        {
            return;
        }

        keys.Add(_signIns!.SignInKey(signInId));
        if (_scheme.UserId(ticket.Principal) is { } userId)
        {
            keys.Add(_signIns.UserKey(userId));
        }
    }
}
