using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tether.Handoff;

/// <summary>
/// Keeps the <c>Set-Cookie</c> headers of a handoff in the app's <see cref="IDistributedCache"/> under a one-time id
/// until the browser that holds the connection redeems them, at most <see cref="TetherOptions.CookieHandoffLifetime"/>
/// (30 s).
/// </summary>
/// <remarks>
/// <para>
/// An id is 256 random bits, is deleted when redeemed, and is stored only as its SHA-256 hash, so the store's keys do
/// not reveal it. It is never logged.
/// </para>
/// <para>
/// Concurrency: no mutable state of its own (the fields are set once, in the constructor), so any thread may store or
/// take at any time; the cache is the only shared state, and <see cref="TakeAsync"/> says what a race on it can do.
/// </para>
/// </remarks>
internal sealed class CookieHandoffStore
{
    private const string KeyPrefix = "Tether.CookieHandoff:";
    private const int IdBytes = 32;
    private const int BindingHashBytes = 32;
    private const int MaxCookies = 1000;
    private const byte FormatVersion = 1;

    private readonly IDistributedCache? _cache;
    private readonly TetherOptions _options;
    private readonly Diagnostics.TetherMetrics? _metrics;

    // The logger keeps the CookieHandoff category that the handoff has always logged under, so the apps' log filters
    // keep working.
    public CookieHandoffStore(IServiceProvider services, IOptions<TetherOptions> options, ILogger<CookieHandoff> logger)
    {
        _metrics = services.GetService<Diagnostics.TetherMetrics>();
        _options = options.Value;
        Logger = logger;
        _cache = _options.CookieHandoffPath.HasValue ? services.GetService<IDistributedCache>() : null;
    }

    /// <summary>What a redemption found under an id.</summary>
    public enum Outcome
    {
        /// <summary>Nothing, or an entry this version cannot read: an unknown, used or corrupt id.</summary>
        Unknown,

        /// <summary>An entry past its expiry; it is removed.</summary>
        Expired,

        /// <summary>An entry bound to another browser's binding cookie; it is left in place.</summary>
        OtherBinding,

        /// <summary>The entry, now removed: its headers are the caller's to send, once.</summary>
        Taken,
    }

    /// <summary>Whether cookies can be handed off: a path is configured and a store is registered.</summary>
    public bool Enabled => _cache is not null;

    public TimeSpan Lifetime => _options.CookieHandoffLifetime;

    public TimeProvider Time => _options.TimeProvider;

    public ILogger Logger { get; }

    /// <summary>Says at start-up when no store makes the handoff possible (its options are checked with the others).</summary>
    public void WarnIfNoStore()
    {
        if (_options.CookieHandoffPath.HasValue && _cache is null)
        {
            CookieHandoffLog.NoStore(Logger);
        }
    }

    /// <summary>Logs and counts a handoff that could not be stored or announced; its cookies stay in the jar.</summary>
    public void Failed(Exception exception)
    {
        CookieHandoffLog.Failed(Logger, exception.GetType().Name, exception);
        _metrics?.StoreFailed("cookie_handoff.store", exception);
    }

    /// <summary>
    /// Stores <paramref name="setCookies"/> under a new id bound to <paramref name="binding"/>, until
    /// <paramref name="expires"/> (UTC ticks), and returns the id.
    /// </summary>
    /// <remarks>
    /// The entry's format, version 1, written with <see cref="BinaryWriter"/> (little-endian, UTF-8). Nodes of different
    /// versions share one cache during a rolling deploy, so a change needs a new version byte, and readers must keep
    /// reading version 1 for at least one release:
    /// <code>
    /// key   "Tether.CookieHandoff:" + base64url(SHA-256(ASCII(id))), unpadded; id = base64url(32 random bytes), 43 chars
    /// byte      version, 1
    /// byte[32]  SHA-256(UTF-8(binding cookie value)), raw, no length prefix
    /// int64     expiry, UTC ticks; the cache entry's absolute expiration is set to the same instant
    /// int32     n, the number of Set-Cookie headers (a reader refuses n &lt; 0 or n &gt; 1000)
    /// n times   string: the length of its UTF-8 bytes as a 7-bit encoded int, then the bytes (BinaryWriter.Write(string))
    /// </code>
    /// </remarks>
    public async Task<string> StoreAsync(byte[] binding, string[] setCookies, long expires)
    {
        var lifetime = TimeSpan.FromTicks(expires - Time.GetUtcNow().UtcTicks);
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
        CookieHandoffLog.Stored(Logger, setCookies.Length);
        _metrics?.CookieHandoffIssued();
        return id;
    }

    /// <summary>
    /// Takes the headers stored under <paramref name="id"/> when they are bound to <paramref name="binding"/> and not
    /// expired: they are removed before this returns, so they are redeemed once.
    /// </summary>
    /// <remarks>
    /// Two redemptions racing on different nodes would both need this browser's binding cookie, so at worst the same
    /// browser receives the same cookies twice.
    /// </remarks>
    public async Task<(Outcome Outcome, string[] SetCookies)> TakeAsync(string id, byte[] binding, CancellationToken cancellationToken)
    {
        var key = Key(id);
        var stored = await _cache!.GetAsync(key, cancellationToken);
        if (stored is null || !TryRead(stored, out var storedBinding, out var expires, out var setCookies))
        {
            return (Outcome.Unknown, []);
        }

        if (expires <= Time.GetUtcNow().UtcTicks)
        {
            await _cache.RemoveAsync(key, cancellationToken);
            return (Outcome.Expired, []);
        }

        // A mismatch leaves the entry in place: whoever holds a stolen id must not be able to spoil it for its owner.
        if (!CryptographicOperations.FixedTimeEquals(storedBinding, binding))
        {
            return (Outcome.OtherBinding, []);
        }

        // Single use: removed before the cookies are sent.
        await _cache.RemoveAsync(key, cancellationToken);
        return (Outcome.Taken, setCookies);
    }

    private static string Key(string id) => KeyPrefix + Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(id)));

    // Reads the format StoreAsync documents.
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

            binding = reader.ReadBytes(BindingHashBytes);
            expires = reader.ReadInt64();
            var count = reader.ReadInt32();
            if (count is < 0 or > MaxCookies)
            {
                return false;
            }

            setCookies = new string[count];
            for (var i = 0; i < count; i++)
            {
                setCookies[i] = reader.ReadString();
            }

            return binding.Length == BindingHashBytes;
        }
        catch (Exception ex) when (ex is EndOfStreamException or IOException or FormatException or ArgumentException)
        {
            // A corrupt or foreign entry is refused like an unknown id, never a server error.
            return false;
        }
    }
}
