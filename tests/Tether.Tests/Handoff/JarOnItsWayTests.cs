namespace Tether.Tests.Handoff;

/// <summary>
/// The connection's cookie jar keeps a cookie that is on its way to the browser across a reconnect whose handshake
/// still carries the browser's older value, and lets the browser's value win once it has the cookie or the handoff expired.
/// </summary>
public sealed class JarOnItsWayTests
{
    private static readonly Dictionary<string, string> s_oldHandshake = new() { [".AspNetCore.Session"] = "old" };

    [Fact]
    public void A_reconnect_before_the_browser_redeemed_keeps_the_newer_cookie()
    {
        var (connection, _) = OnItsWay(".AspNetCore.Session=new; path=/; httponly");

        connection.Rebase(s_oldHandshake);

        Assert.Equal("new", connection.Cookies(s_oldHandshake)[".AspNetCore.Session"]);
    }

    [Fact]
    public void A_deletion_on_its_way_survives_a_reconnect_that_still_carries_the_cookie()
    {
        var (connection, _) = OnItsWay(".AspNetCore.Session=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/");

        connection.Rebase(s_oldHandshake);

        Assert.Null(connection.Cookies(s_oldHandshake)[".AspNetCore.Session"]);
    }

    [Fact]
    public void Once_the_browser_has_the_cookie_its_handshake_value_wins_again()
    {
        var (connection, _) = OnItsWay(".AspNetCore.Session=new; path=/");

        var redeemed = new Dictionary<string, string> { [".AspNetCore.Session"] = "new" };
        connection.Rebase(redeemed);
        var later = new Dictionary<string, string> { [".AspNetCore.Session"] = "newer" };
        connection.Rebase(later);

        Assert.Equal("newer", connection.Cookies(later)[".AspNetCore.Session"]);
    }

    [Fact]
    public void After_the_handoff_expired_the_handshake_value_wins_as_before()
    {
        var (connection, clock) = OnItsWay(".AspNetCore.Session=new; path=/");

        clock.Advance(TimeSpan.FromSeconds(31));
        connection.Rebase(s_oldHandshake);

        Assert.Equal("old", connection.Cookies(s_oldHandshake)[".AspNetCore.Session"]);
    }

    [Fact]
    public void A_cookie_with_no_handoff_is_replaced_by_the_handshake_as_before()
    {
        var (connection, _) = Connection();
        connection.Absorb([".AspNetCore.Session=new; path=/"]);

        connection.Rebase(s_oldHandshake);

        Assert.Equal("old", connection.Cookies(s_oldHandshake)[".AspNetCore.Session"]);
    }

    private static (ConnectionState Connection, ManualClock Clock) Connection()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        return (new ConnectionState(new TetherOptions { TimeProvider = clock }), clock);
    }

    /// <summary>A connection whose event set <paramref name="setCookie"/>, handed off to the browser for the next 30 seconds.</summary>
    private static (ConnectionState Connection, ManualClock Clock) OnItsWay(string setCookie)
    {
        var (connection, clock) = Connection();
        connection.Absorb([setCookie], (clock.GetUtcNow() + TimeSpan.FromSeconds(30)).UtcTicks);
        return (connection, clock);
    }
}
