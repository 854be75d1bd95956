using System.Buffers.Binary;
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
    // Keyed by the first 128 bits of the id's SHA-256, held inline: a string key would cost every circuit another 112 B.
    private readonly ConcurrentDictionary<UInt128, Registration> _registrations = new();

    /// <summary>Where browsers resync: under the handoff path, or nowhere when the handoff is off.</summary>
    public PathString Path { get; } = options.Value.CookieHandoffPath.HasValue ? options.Value.CookieHandoffPath.Add("/resync") : default;

    /// <summary>Registers a circuit: <paramref name="target"/> gives its handshake's binding cookie and takes its resyncs.</summary>
    public Registration? Register(ITarget target)
    {
        if (!Path.HasValue)
        {
            return null;
        }

        Span<byte> random = stackalloc byte[32];
        while (true)
        {
            RandomNumberGenerator.Fill(random);
            var id = Base64Url.EncodeToString(random);
            var registration = new Registration(this, Key(id), id, target);

            // Two ids whose hashes share 128 bits are as likely as guessing one; still, never replace another circuit.
            if (_registrations.TryAdd(registration.Key, registration))
            {
                return registration;
            }
        }
    }

    /// <summary>Finds the circuit registered under <paramref name="id"/>.</summary>
    public bool TryFind(string id, [NotNullWhen(true)] out Registration? registration)
    {
        registration = null;
        return id.Length == IdLength && _registrations.TryGetValue(Key(id), out registration);
    }

    // 32 random bytes in base64url, unpadded.
    private const int IdLength = 43;

    private static UInt128 Key(string id)
    {
        Span<byte> bytes = stackalloc byte[IdLength * 3];
        bytes = bytes[..Encoding.UTF8.GetBytes(id, bytes)];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    /// <summary>The circuit a registration resyncs.</summary>
    internal interface ITarget
    {
        /// <summary>The binding cookie of the circuit's handshake, or <see langword="null"/> before it has one.</summary>
        string? BindingCookie();

        /// <summary>Takes up the browser's cookies as <paramref name="request"/> carries them, on the request's thread.</summary>
        void Resync(HttpContext request);
    }

    internal sealed class Registration(CookieResync owner, UInt128 key, string id, ITarget target) : IDisposable
    {
        public UInt128 Key { get; } = key;

        public string Id { get; } = id;

        public string Url => owner.Path.Value!;

        public ITarget Target { get; } = target;

        public void Dispose() => owner._registrations.TryRemove(new KeyValuePair<UInt128, Registration>(Key, this));
    }
}
