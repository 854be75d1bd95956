using Tether.Handoff;

namespace Tether.Tests.Handoff;

/// <summary>The resync endpoint: who may hand a circuit the browser's current cookies, over real HTTP to Kestrel.</summary>
public sealed class CookieResyncTests : IAsyncLifetime
{
    private const string Binding = "the-circuits-binding-cookie";
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Only_a_same_origin_post_with_the_circuits_binding_cookie_resyncs_it()
    {
        var resync = _app.App.Services.GetRequiredService<CookieResync>();
        var seen = new List<string?>();
        using var registration = resync.Register(new Target(() => Binding, context => seen.Add(context.Request.Cookies["culture"])))!;
        Assert.Equal("/_tether/cookies/resync", registration.Url);
        Assert.Equal(43, registration.Id.Length);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync(HttpMethod.Get, registration.Id, Binding)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, registration.Id, Binding, origin: "https://evil.example")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, registration.Id, binding: null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, registration.Id, "another-browsers-binding")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, (registration.Id[0] == 'A' ? "B" : "A") + registration.Id[1..], Binding)).StatusCode);
        Assert.Empty(seen);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Post, registration.Id, Binding)).StatusCode);
        Assert.Equal(["c=fr-FR|uic=fr-FR"], seen);

        registration.Dispose();
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, registration.Id, Binding)).StatusCode);
        Assert.Single(seen);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string id, string? binding, string? origin = null)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = _app.BaseAddress };
        using var request = new HttpRequestMessage(method, "/_tether/cookies/resync")
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("id", id)]),
        };
        request.Headers.Add("Origin", origin ?? _app.BaseAddress.GetLeftPart(UriPartial.Authority));
        request.Headers.Add("Cookie", "culture=" + Uri.EscapeDataString("c=fr-FR|uic=fr-FR")
            + (binding is null ? string.Empty : "; " + BindingCookie.Name + "=" + binding));
        return await http.SendAsync(request);
    }

    private sealed class Target(Func<string?> binding, Action<HttpContext> resync) : CookieResync.ITarget
    {
        public string? BindingCookie() => binding();

        public void Resync(HttpContext request) => resync(request);
    }
}
