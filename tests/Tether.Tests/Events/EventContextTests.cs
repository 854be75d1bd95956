using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Tether.Tests.Events;

/// <summary>
/// The synthetic context's own parts: request headers that one event's writes never carry into the next, and a feature
/// collection that behaves as <see cref="FeatureCollection"/> for every feature, known to Tether or not.
/// </summary>
public sealed class EventContextTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_request_header_one_event_writes_or_removes_is_not_seen_by_the_connections_next_event()
    {
        using var alice = await _app.SignedInBrowserAsync("alice");
        var request = await alice.HandshakeAsync("/search", new Dictionary<string, string> { ["X-Tenant"] = "acme" });
        var connection = new ConnectionState();

        string? sawCookie = null;
        await _app.Bridge.RunAsync(request, connection, context =>
        {
            sawCookie = context.Request.Headers.Cookie;
            Assert.Equal("acme", context.Request.Headers["x-tenant"]);
            context.Request.Headers["X-Tenant"] = "evil";
            context.Request.Headers.Remove("Accept-Language");
            context.Request.Headers.Append("X-Injected", "1");
            Assert.Equal("evil", context.Request.Headers["X-Tenant"]);
            Assert.True(context.Request.Headers.ContainsKey("X-Injected"));
            return Task.CompletedTask;
        });

        Dictionary<string, string>? next = null;
        await _app.Bridge.RunAsync(request, connection, context =>
        {
            next = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            return Task.CompletedTask;
        });

        Assert.False(string.IsNullOrEmpty(sawCookie));
        Assert.Equal("acme", next!["X-Tenant"]);
        Assert.False(next.ContainsKey("X-Injected"));
        Assert.Equal(sawCookie, next["Cookie"]);
        Assert.Equal(request.Headers.Count(h => !h.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase)) + 1, next.Count);
    }

    [Fact]
    public void The_feature_collection_keeps_known_and_unknown_features_as_FeatureCollection_does()
    {
        var features = new EventFeatureCollection();
        var expected = new FeatureCollection();
        foreach (var type in EventFeatureCollection.KnownTypes.Concat([typeof(First), typeof(Second), typeof(Third)]))
        {
            var feature = new object();
            var before = features.Revision;
            features[type] = feature;
            expected[type] = feature;
            Assert.Equal(before + 1, features.Revision);
        }

        features[typeof(Second)] = null;
        expected[typeof(Second)] = null;
        var third = new Third();
        features.Set(third);
        expected.Set(third);
        features[typeof(First)] = null;
        expected[typeof(First)] = null;
        var first = new First();
        features.Set(first);
        expected.Set(first);

        Assert.Same(third, features.Get<Third>());
        Assert.Same(first, features.Get<First>());
        Assert.Null(features.Get<Second>());
        Assert.Null(features[typeof(IHttpMaxRequestBodySizeFeature)]);
        Assert.Equal(
            expected.OrderBy(p => p.Key.FullName, StringComparer.Ordinal).Select(p => (p.Key, p.Value)),
            features.OrderBy(p => p.Key.FullName, StringComparer.Ordinal).Select(p => (p.Key, p.Value)));
    }

    [Fact]
    public void The_feature_collection_is_the_request_connection_lifetime_and_services_feature_until_one_is_replaced()
    {
        var features = new EventFeatureCollection();
        Assert.Same(features, features.Get<IHttpRequestFeature>());
        Assert.Same(features, features.Get<IHttpConnectionFeature>());
        Assert.Same(features, features.Get<IHttpRequestLifetimeFeature>());
        Assert.Same(features, features.Get<IServiceProvidersFeature>());
        Assert.Null(features.Get<IHttpAuthenticationFeature>());

        var replaced = new HttpRequestFeature();
        features.Set<IHttpRequestFeature>(replaced);
        Assert.Same(replaced, features.Get<IHttpRequestFeature>());
        Assert.Same(features, features.Get<IHttpConnectionFeature>());
    }

    private sealed class First;

    private sealed class Second;

    private sealed class Third;
}
