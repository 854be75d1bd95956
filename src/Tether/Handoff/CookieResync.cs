using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tether.Handoff;

/// <summary>
/// The cookie handoff in reverse: an open circuit learns the browser's current cookies (a culture or sign-in set over HTTP
/// after its handshake) without reconnecting. The browser POSTs, same-origin, to <c>{CookieHandoffPath}/resync</c> with
/// the circuit's resync id (<see cref="CookieResyncEndpoint"/>); that request carries the browser's cookies, HttpOnly
/// ones included, and becomes the circuit's handshake for its next events, as a reconnect's request would. This type is
/// the registry of the circuits that can be resynced.
/// </summary>
/// <remarks>
/// <para>
/// An id is 256 random bits, known only to the circuit and its page, kept here only as a hash, never logged, and valid
/// while the circuit lives. A resync is accepted only with the binding cookie of the circuit's own handshake
/// (HttpOnly, SameSite=Strict) and a same-origin <c>Origin</c>, so another site cannot push its cookies into a circuit.
/// Circuits are sticky, so the registry is the node's own.
/// </para>
/// <para>
/// Concurrency: the registrations live in a <see cref="ConcurrentDictionary{TKey, TValue}"/>, its only state, so circuits
/// register and leave, and requests look them up, from any thread.
/// </para>
/// </remarks>
internal sealed class CookieResync(IOptions<TetherOptions> options)
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

    /// <summary>Finds the circuit registered under <paramref name="id"/>.</summary>
    public bool TryFind(string id, [NotNullWhen(true)] out Registration? registration)
        => _registrations.TryGetValue(Key(id), out registration);

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
