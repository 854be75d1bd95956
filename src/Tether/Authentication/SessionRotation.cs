using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.Options;
using Tether.Events;

namespace Tether.Authentication;

/// <summary>
/// Gives a request (or an event) a new session id, as Django's <c>login()</c> cycles the session key and <c>logout()</c>
/// flushes it: a session belongs to one sign-in, so an old tab that still holds the previous session cookie can never
/// read or write the next user's session. <see cref="ISession"/> has no way to change its key, so this creates the new session the way <c>SessionMiddleware</c> does and hands it to the
/// same <see cref="ISessionFeature"/>, which the middleware commits when the request ends.
/// </summary>
internal sealed class SessionRotation(ISessionStore store, IDataProtectionProvider dataProtection, IOptions<SessionOptions> options)
{
    /// <summary>The session key under which a signed-in session records the sign-in it belongs to.</summary>
    public const string OwnerKey = "__tether.signin";

    private readonly SessionOptions _options = options.Value;

    /// <summary>
    /// The event pipeline's check of a loaded session (see <see cref="EventPipelineParts.SessionLoaded"/>). A session
    /// records the sign-in it belongs to. An event whose user is not that sign-in (an old tab after a sign-out, or after
    /// another user signed in on the same browser) gets a new session of its own and never reads or writes the other one.
    /// </summary>
    public Task EnsureOwnerAsync(HttpContext context, EventSession session)
        => session.TryGetValue(OwnerKey, out var owner) && SignInIdOf(context) is var signInId && !IsSignIn(owner, signInId)
            ? RotateAsync(context, carry: false, clearOld: false, owner: signInId)
            : Task.CompletedTask;

    /// <summary>The revocable sign-in the request's or event's user came from, if any.</summary>
    internal static string? SignInIdOf(HttpContext context)
        => context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Properties?.GetSignInId();

    // Sign-in ids are base64url (ASCII): compared byte by byte, with no string made from the session's value.
    private static bool IsSignIn(byte[] owner, string? signInId) => signInId is not null && Ascii.Equals(owner, signInId);

    // SessionMiddleware's own purpose string and cookie format (base64 of the protected key, unpadded), so the middleware
    // reads the new cookie on the next request like one it issued itself.
    private readonly IDataProtector _protector = dataProtection.CreateProtector(nameof(SessionMiddleware));

    /// <summary>
    /// Replaces the request's session with a new, empty one under a new key, and deletes the old cookie in the response.
    /// The new cookie is set when the new session is first written, as <c>SessionMiddleware</c> would.
    /// </summary>
    /// <param name="context">The request or event.</param>
    /// <param name="carry">Copy the old session's values into the new one (a guest's cart into a sign-in).</param>
    /// <param name="clearOld">Empty the old session in the store, so that connections still holding its cookie see nothing.</param>
    /// <param name="owner">The sign-in the new session belongs to, or <see langword="null"/> for an anonymous one.</param>
    /// <param name="carryOwned">Carry a session that belonged to a sign-in too (the same user signing in again).</param>
    public async Task RotateAsync(HttpContext context, bool carry, bool clearOld, string? owner, bool carryOwned = false)
    {
        var feature = context.Features.Get<ISessionFeature>();
        if (feature?.Session is not { } old)
        {
            return;
        }

        var values = new List<KeyValuePair<string, byte[]>>();
        if (carry || clearOld)
        {
            await old.LoadAsync(context.RequestAborted);
            // A session that belonged to a sign-in is never carried into another one: with an expired or revoked
            // ticket the request looks anonymous, and its data is still the previous user's.
            if (carry && (!old.TryGetValue(OwnerKey, out var previousOwner) || previousOwner.Length == 0 || carryOwned))
            {
                foreach (var key in old.Keys)
                {
                    if (key != OwnerKey && old.TryGetValue(key, out var value))
                    {
                        values.Add(new(key, value));
                    }
                }
            }

            if (clearOld && old.Keys.Any())
            {
                old.Clear();
                await old.CommitAsync(context.RequestAborted);
            }
        }

        var sessionKey = new Guid(RandomNumberGenerator.GetBytes(16)).ToString();
        var cookieValue = Convert.ToBase64String(_protector.Protect(Encoding.UTF8.GetBytes(sessionKey))).TrimEnd('=');
        var establisher = new Establisher(context, cookieValue, _options);
        var session = store.Create(sessionKey, _options.IdleTimeout, _options.IOTimeout, establisher.TryEstablishSession, isNewSessionKey: true);

        // Deleted now, appended (if the new session is written) when the response starts: the browser ends with the new one.
        context.Response.Cookies.Delete(_options.Cookie.Name!, _options.Cookie.Build(context));
        foreach (var (key, value) in values)
        {
            session.Set(key, value);
        }

        if (owner is not null)
        {
            session.SetString(OwnerKey, owner);
        }

        // In an event, the terminal commits the session itself and reports a store failure rather than only logging it.
        feature.Session = context.Features.Get<EventFeature>() is null ? session : new EventSession(session);
    }

    private sealed class Establisher
    {
        private readonly HttpContext _context;
        private readonly string _cookieValue;
        private readonly SessionOptions _options;
        private bool _shouldEstablish;

        public Establisher(HttpContext context, string cookieValue, SessionOptions options)
        {
            _context = context;
            _cookieValue = cookieValue;
            _options = options;
            context.Response.OnStarting(static state => ((Establisher)state).OnStarting(), this);
        }

        public bool TryEstablishSession() => _shouldEstablish |= !_context.Response.HasStarted;

        private Task OnStarting()
        {
            if (_shouldEstablish)
            {
                _context.Response.Cookies.Append(_options.Cookie.Name!, _cookieValue, _options.Cookie.Build(_context));
                _context.Response.Headers.CacheControl = "no-cache,no-store";
                _context.Response.Headers.Pragma = "no-cache";
            }

            return Task.CompletedTask;
        }
    }
}
