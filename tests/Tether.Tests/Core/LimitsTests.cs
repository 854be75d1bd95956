using Microsoft.AspNetCore.Http;

namespace Tether.Tests.Core;

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
    public void The_cookie_jar_of_a_connection_stays_within_the_header_size_limit()
    {
        var connection = new EventConnection(new TetherOptions { MaxHeadersTotalSize = 4096 });
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
        var connection = new EventConnection();
        var handshake = new Dictionary<string, string> { [".AspNetCore.Session"] = "old", ["theme"] = "dark" };

        connection.Absorb([".AspNetCore.Session=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/"]);

        var cookies = connection.Cookies(handshake);
        Assert.Null(cookies[".AspNetCore.Session"]);
        Assert.Equal("dark", cookies["theme"]);
    }
}
