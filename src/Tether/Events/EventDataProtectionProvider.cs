using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Tether.Events;

/// <summary>
/// Wraps the data protection that the session and cookie authentication middleware use, so that inside an event a
/// payload the connection already unprotected is not decrypted again. Outside events, and for every payload it has not
/// seen on the connection, it is the app's own data protection, unchanged.
/// </summary>
/// <remarks>
/// The middleware unprotect with no context, so it finds the event's connection through <see cref="IHttpContextAccessor"/>,
/// which is the event's context inside an event. Elsewhere that context has no event feature (or there is none), and the
/// payload is decrypted as it would be without Tether.
/// </remarks>
internal sealed class EventDataProtectionProvider(IDataProtectionProvider inner, IHttpContextAccessor accessor) : IDataProtectionProvider
{
    /// <summary>The provider the session and cookie authentication middleware get: wrapped unless the cache is off.</summary>
    public static IDataProtectionProvider For(IDataProtectionProvider provider, TetherOptions options, IHttpContextAccessor accessor)
        => options.UnprotectCacheDuration <= TimeSpan.Zero || provider is EventDataProtectionProvider
            ? provider
            : new EventDataProtectionProvider(provider, accessor);

    // One wrapper per purpose: the unprotect cache keys on the protector, so the event's store prefetch, which reads the
    // session cookie before SessionMiddleware does, shares the middleware's cache entry instead of adding its own.
    private readonly ConcurrentDictionary<string, IDataProtector> _protectors = new(StringComparer.Ordinal);

    public IDataProtector CreateProtector(string purpose)
        => _protectors.GetOrAdd(purpose, static (purpose, self) => new Protector(self._inner.CreateProtector(purpose), self._accessor), this);

    // Set while EventTicketFormat reads a cookie it has no ticket for: that ticket is cached for the full duration from
    // now, so the payload under it must be decrypted now, not taken from an entry that is already partly aged.
    [ThreadStatic]
    private static bool s_uncached;

    /// <summary>Until disposed, this thread's unprotects decrypt, bypassing the connection's cache. For synchronous calls only.</summary>
    internal static Uncached Bypass()
    {
        s_uncached = true;
        return default;
    }

    internal readonly struct Uncached : IDisposable
    {
        public void Dispose() => s_uncached = false;
    }

    private readonly IDataProtectionProvider _inner = inner;
    private readonly IHttpContextAccessor _accessor = accessor;

    private sealed class Protector(IDataProtector inner, IHttpContextAccessor accessor) : IDataProtector
    {
        public IDataProtector CreateProtector(string purpose) => new Protector(inner.CreateProtector(purpose), accessor);

        public byte[] Protect(byte[] plaintext) => inner.Protect(plaintext);

        public byte[] Unprotect(byte[] protectedData)
        {
            var cache = s_uncached ? null : accessor.HttpContext?.Features.Get<EventFeature>()?.Connection?.UnprotectCache;
            if (cache is null)
            {
                return inner.Unprotect(protectedData);
            }

            if (cache.TryGet(this, protectedData, out var plaintext))
            {
                return plaintext;
            }

            // A payload that fails to unprotect throws here and is never cached.
            plaintext = inner.Unprotect(protectedData);
            cache.Add(this, protectedData, plaintext);
            return plaintext;
        }
    }
}
