namespace Tether.Tests.Events;

public class EventLocationTests
{
    [Theory]
    [InlineData("/search?q=shoe", "/search", "?q=shoe")]
    [InlineData("http://shop.test:5000/cart?x=1#top", "/cart", "?x=1")]
    [InlineData("/p%C3%A9", "/p\u00e9", "")]
    [InlineData("/app/orders?id=7", "/orders", "?id=7")]
    public void A_path_on_this_app_is_kept(string location, string path, string query)
    {
        var (p, q) = EventLocation.Parse(location, "http", new HostString("shop.test:5000"), path == "/orders" ? "/app" : PathString.Empty, 8192, out var rejected);

        Assert.False(rejected);
        Assert.Equal(path, p.Value);
        Assert.Equal(query, q.Value ?? string.Empty);
    }

    [Theory]
    [InlineData("https://evil.example/x")]
    [InlineData("http://evil.example:5000/x")]
    [InlineData("https://shop.test:5000/x")]
    [InlineData("http://user@shop.test:5000/x")]
    [InlineData("//evil.example/x")]
    [InlineData("/\\evil.example/x")]
    [InlineData("javascript:alert(1)")]
    [InlineData("search")]
    [InlineData("")]
    [InlineData("/a\r\nSet-Cookie: x=1")]
    [InlineData("\u0000")]
    public void Anything_else_becomes_the_root(string location)
    {
        var (p, q) = EventLocation.Parse(location, "http", new HostString("shop.test:5000"), PathString.Empty, 8192, out var rejected);

        Assert.True(rejected);
        Assert.Equal("/", p.Value);
        Assert.Equal(QueryString.Empty, q);
    }

    [Fact]
    public void A_location_longer_than_the_limit_becomes_the_root()
    {
        var (p, _) = EventLocation.Parse("/" + new string('a', 9000), "http", new HostString("shop.test"), PathString.Empty, 8192, out var rejected);

        Assert.True(rejected);
        Assert.Equal("/", p.Value);
    }
}
