using System.Buffers.Text;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Tether.Store;

namespace Tether.Authentication;

/// <summary>
/// The server-side records that make cookie sign-ins revocable, in the app's <see cref="IDistributedCache"/>:
/// one record per sign-in (present while the sign-in is valid) and one per user, holding the user's current generation
/// (and, with Identity, the security stamp it was made for). A ticket is valid while its sign-in record exists and the
/// generation it was issued under is still the user's.
/// </summary>
/// <remarks>
/// Revoking a user therefore writes one record, with no index of the user's sign-ins to keep consistent: every writer of a
/// user record writes a new random generation, so no interleaving of writers can bring an old generation back.
/// Both records slide on every read (the memory, Redis and SQL Server caches slide on <c>Get</c>), so they live as long as
/// a sliding ticket that is in use.
/// </remarks>
internal sealed class SignInStore(EventStoreCache cache, ISignInRevocationBus bus, IOptions<RevocableSignInOptions> options)
{
    // A margin over the ticket's lifetime: a record that expired before its ticket would sign the user out early.
    private static readonly TimeSpan s_margin = TimeSpan.FromMinutes(5);

    private readonly string _prefix = options.Value.KeyPrefix;
    private readonly ConditionalWeakTable<string, string> _signInKeys = new();
    private readonly ConditionalWeakTable<string, string> _userKeys = new();

    /// <summary>Whether the sign-in is still valid. Both records are read at once: one round trip on a pipelining store.</summary>
    public async Task<bool> IsValidAsync(string signInId, string? userId, string? generation, CancellationToken cancellationToken)
    {
        // Records read up front by the event, or held in process: answered without a task or a wait.
        var signInKey = SignInKey(signInId);
        if (!cancellationToken.IsCancellationRequested && cache.TryGetNow(signInKey, out var signInRead))
        {
            if (userId is null)
            {
                return signInRead is not null;
            }

            if (cache.TryGetNow(UserKey(userId), out var userRead))
            {
                return signInRead is not null && userRead is { } read && UserRecord.HasGeneration(read, generation);
            }
        }

        var signIn = cache.GetAsync(signInKey, cancellationToken);
        if (userId is null)
        {
            return await signIn is not null;
        }

        var user = cache.GetAsync(UserKey(userId), cancellationToken);
        await Task.WhenAll(signIn, user);
        return signIn.Result is not null && user.Result is { } record && UserRecord.HasGeneration(record, generation);
    }

    /// <summary>
    /// Records a sign-in at the moment it is issued. The sign-in keeps its id when the ticket is re-issued for the same
    /// user (Identity's <c>RefreshSignInAsync</c> passes the old properties); any other sign-in gets a new id, so a sign-in
    /// that follows a sign-out never reuses the revoked one (dotnet/aspnetcore#47503).
    /// </summary>
    public async Task<(string SignInId, string Generation)> BeginAsync(
        string? userId, string? securityStamp, string? previousSignInId, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var entry = new DistributedCacheEntryOptions { SlidingExpiration = lifetime + s_margin };
        var signInId = previousSignInId;
        if (signInId is not null
            && (await cache.GetAsync(SignInKey(signInId), cancellationToken) is not { } previous
                || Encoding.UTF8.GetString(previous) != (userId ?? string.Empty)))
        {
            signInId = null;
        }

        var reused = signInId is not null;
        signInId ??= NewId();
        var generation = string.Empty;
        if (userId is not null)
        {
            var record = await cache.GetAsync(UserKey(userId), cancellationToken) is { } bytes ? UserRecord.Parse(bytes) : null;
            if (record is null || (securityStamp is not null && record.Stamp != securityStamp))
            {
                // No live record, or the user's security stamp changed since it was written: a new generation, which also
                // ends every sign-in issued under an older stamp.
                record = new UserRecord(NewId(), securityStamp ?? record?.Stamp);
                await cache.SetAsync(UserKey(userId), record.ToBytes(), entry, cancellationToken);
            }

            generation = record.Generation;
        }

        // A reused sign-in's record is not written again: the read above slid it, and a write could bring back a record
        // that a sign-out removed meanwhile.
        if (!reused)
        {
            await cache.SetAsync(SignInKey(signInId), Encoding.UTF8.GetBytes(userId ?? string.Empty), entry, cancellationToken);
        }

        return (signInId, generation);
    }

    public async Task RevokeSignInAsync(string signInId, CancellationToken cancellationToken)
    {
        await cache.RemoveAsync(SignInKey(signInId), cancellationToken);
        await bus.PublishAsync(new SignInRevocation(signInId, null), cancellationToken);
    }

    public async Task RevokeUserAsync(string userId, string? securityStamp, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        var record = await cache.GetAsync(UserKey(userId), cancellationToken) is { } bytes ? UserRecord.Parse(bytes) : null;
        if (record is not null)
        {
            var next = new UserRecord(NewId(), securityStamp ?? record.Stamp);
            await cache.SetAsync(UserKey(userId), next.ToBytes(), new DistributedCacheEntryOptions { SlidingExpiration = lifetime + s_margin }, cancellationToken);
        }

        // Without a record no ticket of this user is valid anyway; connections are told all the same.
        await bus.PublishAsync(new SignInRevocation(null, userId), cancellationToken);
    }

    /// <summary>
    /// Called with a user's security stamp whenever Identity saves the user: a stamp that differs from the one of the
    /// user's record revokes the user.
    /// </summary>
    public async Task StampObservedAsync(string userId, string securityStamp, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        if (await cache.GetAsync(UserKey(userId), cancellationToken) is { } bytes && UserRecord.Parse(bytes).Stamp is { } stamp && stamp != securityStamp)
        {
            await RevokeUserAsync(userId, securityStamp, lifetime, cancellationToken);
        }
    }

    private static string NewId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    internal string SignInKey(string signInId) => KeyOf(_signInKeys, "s:", signInId);

    internal string UserKey(string userId) => KeyOf(_userKeys, "u:", userId);

    // An established connection checks the same ids event after event, as the same string instances (its ticket is read
    // once, and each event's copy shares the strings): their keys are made once, and live as long as the ids.
    private string KeyOf(ConditionalWeakTable<string, string> keys, string kind, string id)
    {
        if (!keys.TryGetValue(id, out var key))
        {
            key = _prefix + kind + id;
            keys.AddOrUpdate(id, key);
        }

        return key;
    }

    private sealed record UserRecord(string Generation, string? Stamp)
    {
        public static UserRecord Parse(byte[] bytes)
        {
            var text = Encoding.UTF8.GetString(bytes);
            var separator = text.IndexOf('\n');
            return separator < 0 ? new UserRecord(text, null) : new UserRecord(text[..separator], text[(separator + 1)..]);
        }

        /// <summary>Whether the record holds <paramref name="generation"/>, read without decoding it (every event does this).</summary>
        public static bool HasGeneration(byte[] record, string? generation)
            => generation is not null
                && record.Length >= generation.Length
                && (record.Length == generation.Length || record[generation.Length] == '\n')
                && Ascii.Equals(record.AsSpan(0, generation.Length), generation); // generations are base64url, so ASCII

        public byte[] ToBytes() => Encoding.UTF8.GetBytes(Stamp is null ? Generation : Generation + "\n" + Stamp);
    }
}
