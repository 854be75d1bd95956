using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tether.Handoff;

/// <summary>
/// The cookie handoff in reverse: an open circuit learns the browser's current cookies (a culture or sign-in set over HTTP
/// after its handshake) without reconnecting. The browser POSTs, same-origin, to <c>{CookieHandoffPath}/resync</c> with
/// the circuit's resync id; that request carries the browser's cookies, HttpOnly ones included, and becomes the circuit's
/// handshake for its next events, as a reconnect's request would.
/// </summary>
/// <remarks>
/// An id is 256 random bits, known only to the circuit and its page, kept here only as a hash, never logged, and valid
/// while the circuit lives. A resync is accepted only with the binding cookie of the circuit's own handshake
/// (HttpOnly, SameSite=Strict) and a same-origin <c>Origin</c>, so another site cannot push its cookies into a circuit.
/// Circuits are sticky, so the registry is the node's own.
/// </remarks>
internal sealed class CookieResync(CookieHandoff handoff, IOptions<TetherOptions> options)
{
    private readonly ConcurrentDictionary<string, Registration> _registrations = new(StringComparer.Ordinal);

    /// <summary>Where browsers resync: under the handoff path, or nowhere when the handoff is off.</summary>
    public PathString Path { get; } = options.Value.CookieHandoffPath.HasValue ? options.Value.CookieHandoffPath.Add("/resync") : default;

    /// <summary>Registers a circuit: <paramref name="bindingOf"/> gives its handshake's binding cookie.</summary>
    public Registration? Register(Func<string?> bindingOf, Action<HttpContext> onResync)
    {
        if (!Path.HasValue)
        {
            return null;
        }

        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var registration = new Registration(this, Key(id), id, Path.Value!, bindingOf, onResync);
        _registrations[registration.Key] = registration;
        return registration;
    }

    public async Task ResyncAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers.CacheControl = "no-store";
        if (!HttpMethods.IsPost(request.Method))
        {
            context.Response.Headers.Allow = HttpMethods.Post;
            await handoff.RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, "resync: not a POST");
            return;
        }

        if (!handoff.IsSameOrigin(request))
        {
            await handoff.RefuseAsync(context, StatusCodes.Status403Forbidden, "resync: foreign or missing Origin");
            return;
        }

        if (!request.HasFormContentType || await CookieHandoff.ReadIdAsync(request, context.RequestAborted) is not { } id)
        {
            await handoff.RefuseAsync(context, StatusCodes.Status400BadRequest, "resync: malformed id");
            return;
        }

        var binding = CookieHandoff.BindingHash(request.Cookies[CookieHandoff.BindingCookieNameFor(request.Scheme)]);
        if (!_registrations.TryGetValue(Key(id), out var registration)
            || binding is null
            || CookieHandoff.BindingHash(registration.BindingOf()) is not { } expected
            || !CryptographicOperations.FixedTimeEquals(expected, binding))
        {
            await handoff.RefuseAsync(context, StatusCodes.Status400BadRequest, "resync: unknown id, or another browser's");
            return;
        }

        registration.OnResync(context);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static string Key(string id) => Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(id)));

    internal sealed class Registration(CookieResync owner, string key, string id, string url, Func<string?> bindingOf, Action<HttpContext> onResync) : IDisposable
    {
        public string Key { get; } = key;

        public string Id { get; } = id;

        public string Url { get; } = url;

        public Func<string?> BindingOf { get; } = bindingOf;

        public Action<HttpContext> OnResync { get; } = onResync;

        public void Dispose() => owner._registrations.TryRemove(Key, out _);
    }
}
