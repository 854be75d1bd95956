using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Tether.Handoff;

namespace Tether.Tests.Handoff;

/// <summary>
/// The handoff store's byte format, version 1, as <see cref="CookieHandoffStore.StoreAsync"/> documents it, spelled out
/// byte by byte: nodes of different versions share one cache during a rolling deploy, so each must read what the other
/// writes.
/// </summary>
public sealed class HandoffFormatTests : IAsyncLifetime
{
    private const string Binding = "the-browsers-binding-cookie";
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task What_the_store_writes_is_version_1_under_the_hash_of_its_id()
    {
        var expires = DateTimeOffset.UtcNow.AddSeconds(20).UtcTicks;
        string[] cookies = ["a=1; path=/", "b=" + new string('é', 100) + "; path=/; httponly"];
        var id = await _app.App.Services.GetRequiredService<CookieHandoffStore>().StoreAsync(SHA256.HashData(Encoding.UTF8.GetBytes(Binding)), cookies, expires);

        Assert.Equal(43, id.Length);
        Assert.Equal(VersionOne(expires, cookies), _app.Cache.Get(KeyOf(id)));
    }

    [Fact]
    public async Task A_version_1_entry_written_by_hand_is_redeemed()
    {
        var id = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        string[] cookies = ["a=1; path=/", "b=2; path=/; httponly"];
        await _app.Cache.SetAsync(
            KeyOf(id),
            VersionOne(DateTimeOffset.UtcNow.AddSeconds(20).UtcTicks, cookies),
            new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(20) });

        var redemption = await _app.RedeemAsync(Binding, id);

        Assert.Equal(StatusCodes.Status204NoContent, redemption.Response.StatusCode);
        Assert.Equal(cookies, redemption.Response.Headers.SetCookie.ToArray());
        Assert.Null(_app.Cache.Get(KeyOf(id)));
    }

    private static string KeyOf(string id) => "Tether.CookieHandoff:" + Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(id)));

    // version byte, the binding's SHA-256, the expiry (int64 LE), the count (int32 LE), then each header as a 7-bit
    // encoded UTF-8 length and its bytes.
    private static byte[] VersionOne(long expires, string[] cookies)
    {
        var bytes = new List<byte> { 1 };
        bytes.AddRange(SHA256.HashData(Encoding.UTF8.GetBytes(Binding)));
        var number = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(number, expires);
        bytes.AddRange(number);
        BinaryPrimitives.WriteInt32LittleEndian(number, cookies.Length);
        bytes.AddRange(number.AsSpan(0, 4).ToArray());
        foreach (var cookie in cookies)
        {
            var utf8 = Encoding.UTF8.GetBytes(cookie);
            for (var length = (uint)utf8.Length; ; length >>= 7)
            {
                if (length < 0x80)
                {
                    bytes.Add((byte)length);
                    break;
                }

                bytes.Add((byte)(length | 0x80));
            }

            bytes.AddRange(utf8);
        }

        return [.. bytes];
    }
}
