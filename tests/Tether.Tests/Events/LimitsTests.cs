namespace Tether.Tests.Events;

public class LimitsTests
{
    [Fact]
    public void A_handshake_copies_at_most_the_configured_number_and_size_of_headers()
    {
        var handshake = new DefaultHttpContext();
        handshake.Request.Headers["X-Huge"] = new string('h', 64 * 1024);
        handshake.Request.Headers.UserAgent = "Mozilla/5.0";
        handshake.Request.Headers.Upgrade = "websocket";
        handshake.Request.Headers["Sec-WebSocket-Key"] = "abc";
        for (var i = 0; i < 150; i++)
        {
            handshake.Request.Headers[$"X-Header-{i}"] = new string('v', 100);
        }

        var request = EventRequest.FromHttpContext(handshake, "/", new TetherOptions { MaxHeaderCount = 100, MaxHeadersTotalSize = 32 * 1024 });

        Assert.True(request.Headers.Count <= 100);
        Assert.True(request.Headers.Sum(h => h.Key.Length + h.Value.ToString().Length) <= 32 * 1024);
        Assert.False(request.Headers.ContainsKey("X-Huge"));
        Assert.Equal("Mozilla/5.0", request.Headers["User-Agent"].ToString());
        Assert.Equal(100, request.Headers.Count);
        Assert.False(request.Headers.ContainsKey("Upgrade"));
        Assert.False(request.Headers.ContainsKey("Sec-WebSocket-Key"));
    }

    [Fact]
    public void The_cookie_jar_of_a_connection_stays_within_the_cookie_size_limit()
    {
        var connection = new ConnectionState(new TetherOptions { MaxCookiesTotalSize = 4096 });
        for (var i = 0; i < 100; i++)
        {
            connection.Absorb([$"c{i}={new string('x', 500)}; path=/; httponly"]);
        }

        var cookies = connection.Cookies(new Dictionary<string, string>());
        Assert.InRange(cookies.Sum(c => c.Key.Length + c.Value.Length), 1, 4096);
    }

    [Fact]
    public void A_cookie_the_pipeline_deletes_is_no_longer_sent()
    {
        var connection = new ConnectionState();
        var handshake = new Dictionary<string, string> { [".AspNetCore.Session"] = "old", ["theme"] = "dark" };

        connection.Absorb([".AspNetCore.Session=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/"]);

        var cookies = connection.Cookies(handshake);
        Assert.Null(cookies[".AspNetCore.Session"]);
        Assert.Equal("dark", cookies["theme"]);
    }

    [Fact]
    public void One_oversized_handshake_cookie_is_left_out_on_its_own_and_the_cookies_after_it_are_kept()
    {
        var handshake = new DefaultHttpContext();
        handshake.Request.Headers.Cookie = $"huge={new string('h', 40 * 1024)}; .AspNetCore.Session=s1; theme=dark";

        var request = EventRequest.FromHttpContext(handshake, "/", new TetherOptions { MaxCookiesTotalSize = 32 * 1024 });

        Assert.False(request.Cookies.ContainsKey("huge"));
        Assert.Equal("s1", request.Cookies[".AspNetCore.Session"]);
        Assert.Equal("dark", request.Cookies["theme"]);
    }

    [Fact]
    public void A_malformed_set_cookie_header_is_skipped_alone_and_a_deletion_beside_it_still_applies()
    {
        var handshake = new Dictionary<string, string> { [".AspNetCore.Cookies"] = "ticket", ["theme"] = "dark" };
        var connection = new ConnectionState();
        connection.Rebase(handshake);

        connection.Absorb(["this is not a cookie", ".AspNetCore.Cookies=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; httponly"]);

        var cookies = connection.Cookies(handshake);
        Assert.False(cookies.ContainsKey(".AspNetCore.Cookies"));
        Assert.Equal("dark", cookies["theme"]);
    }

    [Fact]
    public void A_cookie_the_browser_deleted_before_a_reconnect_leaves_the_jar_too()
    {
        var connection = new ConnectionState();
        var first = new Dictionary<string, string> { [".AspNetCore.Cookies"] = "ticket", [".AspNetCore.Session"] = "s1" };
        connection.Rebase(first);

        // An event renewed the ticket (sliding expiration) and started a cookie the browser never received.
        connection.Absorb([".AspNetCore.Cookies=renewed-ticket; path=/; httponly", "socket-only=x; path=/"]);
        Assert.Equal("renewed-ticket", connection.Cookies(first)[".AspNetCore.Cookies"]);

        // The user signed out in another tab, which deleted the cookie, and the circuit reconnected.
        var second = new Dictionary<string, string> { [".AspNetCore.Session"] = "s2" };
        connection.Rebase(second);

        var cookies = connection.Cookies(second);
        Assert.Null(cookies[".AspNetCore.Cookies"]);
        Assert.Equal("s2", cookies[".AspNetCore.Session"]);
        Assert.Equal("x", cookies["socket-only"]);
    }

    [Fact]
    public void A_handshake_without_a_location_keeps_its_query_but_not_signalrs_transport_secrets()
    {
        var handshake = new DefaultHttpContext();
        handshake.Request.Path = "/hubs/orders";
        handshake.Request.QueryString = new QueryString("?tenant=acme&id=connection-token&access_token=bearer-secret&ID=x");

        var request = EventRequest.FromHttpContext(handshake, null);

        Assert.Equal("/hubs/orders", request.Path.Value);
        Assert.Equal("?tenant=acme", request.QueryString.Value);
    }
}
