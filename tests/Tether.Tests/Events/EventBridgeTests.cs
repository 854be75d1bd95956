using static Tether.Ambient;

namespace Tether.Tests.Events;

public sealed class EventBridgeTests : IAsyncLifetime
{
    private CoreTestApp _app = null!;

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(AppEventMiddleware.Guard("/members-only"));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Handler_sees_the_signed_in_user_and_what_http_wrote_to_the_session()
    {
        using var alice = await _app.SignedInBrowserAsync("alice", "admin").WithSessionAsync("cart", "3 shoes");
        var request = await alice.HandshakeAsync("/search?q=shoe");

        string? name = null, tenant = null, cart = null;
        var admin = false;
        var outcome = await _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            name = Current.User().Identity?.Name;
            tenant = Current.User().FindFirstValue("tenant");
            admin = Request.User.IsInRole("admin");
            cart = Current.Session()!.GetString("cart");
            return Task.CompletedTask;
        });

        Assert.True(outcome.HandlerRan);
        Assert.Equal("alice", name);
        Assert.Equal("alice-tenant", tenant);
        Assert.True(admin);
        Assert.Equal("3 shoes", cart);
    }

    [Fact]
    public async Task A_session_write_in_an_event_is_read_by_the_next_http_request()
    {
        using var bob = await _app.SignedInBrowserAsync("bob").WithSessionAsync("seen", "yes");
        var request = await bob.HandshakeAsync("/billing");

        await _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            Request.Session.SetString("last_payment_status", "pending");
            return Task.CompletedTask;
        });

        Assert.Equal("pending", await bob.GetAsync("/session/get?key=last_payment_status"));
    }

    [Fact]
    public async Task Handler_sees_the_path_query_headers_cookies_and_address_of_the_event_request()
    {
        using var carol = await _app.SignedInBrowserAsync("carol");
        var request = await carol.HandshakeAsync(
            "/search?q=red+shoe&page=2",
            new Dictionary<string, string> { ["X-Trace"] = "abc", ["Accept-Language"] = "fr-FR" });

        HttpRequest? seen = null;
        string? path = null, q = null, page = null, trace = null, language = null, authCookie = null, remoteIp = null, host = null, scheme = null;
        await _app.Bridge.RunAsync(request, new ConnectionState(), context =>
        {
            seen = Current.Request();
            path = Request.Path.Value;
            q = Request.Query["q"];
            page = Current.Request()!.Query["page"];
            trace = Request.Headers["x-trace"];
            language = Request.Headers.AcceptLanguage;
            authCookie = Request.Cookies[".AspNetCore.Cookies"];
            remoteIp = Request.RemoteIpAddress?.ToString();
            host = Request.Host.Value;
            scheme = Request.Scheme;
            Assert.Same(context, Request.HttpContext);
            return Task.CompletedTask;
        });

        Assert.NotNull(seen);
        Assert.Equal("/search", path);
        Assert.Equal("red shoe", q);
        Assert.Equal("2", page);
        Assert.Equal("abc", trace);
        Assert.Equal("fr-FR", language);
        Assert.Equal(request.Cookies[".AspNetCore.Cookies"], authCookie);
        Assert.Equal(request.RemoteIpAddress?.ToString(), remoteIp);
        Assert.Equal(IPAddress.Loopback.ToString(), remoteIp);
        Assert.Equal(_app.BaseAddress.Authority, host);
        Assert.Equal("http", scheme);
    }

    [Theory]
    [InlineData("tampered-auth")]
    [InlineData("tampered-session")]
    [InlineData("none")]
    [InlineData("garbage")]
    public async Task A_tampered_or_missing_cookie_counts_for_nothing_while_the_intact_one_beside_it_still_counts(string kind)
    {
        using var dave = await _app.SignedInBrowserAsync("dave").WithSessionAsync("secret", "dave-data");
        var real = await dave.HandshakeAsync();
        var auth = real.Cookies[".AspNetCore.Cookies"];
        var session = real.Cookies[".AspNetCore.Session"];

        // Each tampered cookie travels with the other one intact, so both assertions below can fail.
        (string? Header, string? User, string? Secret) expected = kind switch
        {
            "tampered-auth" => ($".AspNetCore.Cookies={Flip(auth)}; .AspNetCore.Session={session}", null, "dave-data"),
            "tampered-session" => ($".AspNetCore.Cookies={auth}; .AspNetCore.Session={Flip(session)}", "dave", null),
            "garbage" => (".AspNetCore.Cookies=%%%;;=; .AspNetCore.Session=%E9%ZZ\\\"", null, null),
            _ => (null, null, null),
        };
        var request = await _app.HandshakeAsync(expected.Header, "/profile");

        ClaimsPrincipal? user = null;
        string? secret = "unset";
        var outcome = await _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            user = Current.User();
            secret = Current.Session()!.GetString("secret");
            return Task.CompletedTask;
        });

        Assert.True(outcome.HandlerRan);
        Assert.Equal(expected.User, user!.Identity?.IsAuthenticated == true ? user.Identity.Name : null);
        Assert.Equal(expected.Secret, secret);
    }

    [Fact]
    public async Task No_ambient_context_survives_an_event_or_a_handler_that_throws()
    {
        var request = await _app.HandshakeAsync(null, "/");
        Task? leaked = null;
        var release = new TaskCompletionSource();
        HttpRequest? seenByLeak = new DefaultHttpContext().Request;

        await _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            Assert.NotNull(Current.Request());

            // Fire-and-forget work captures the event's execution context; it must not see the event once it is over.
            leaked = Task.Run(async () =>
            {
                await release.Task;
                seenByLeak = Current.Request();
            });
            return Task.CompletedTask;
        });

        Assert.Null(Current.Request());
        Assert.Null(Current.Session());
        Assert.False(Current.User().Identity?.IsAuthenticated);
        var error = Assert.Throws<InvalidOperationException>(() => Request.Path);
        Assert.Contains("no socket event running", error.Message, StringComparison.OrdinalIgnoreCase);

        release.SetResult();
        await leaked!;
        Assert.Null(seenByLeak);

        await Assert.ThrowsAsync<FormatException>(() => _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            Assert.NotNull(Current.Request());
            throw new FormatException("handler failed");
        }));

        Assert.Null(Current.Request());
        Assert.Throws<InvalidOperationException>(() => Request.User);
    }

    [Fact]
    public async Task Concurrent_events_of_two_users_never_see_each_others_user_or_session()
    {
        using var alice = _app.NewBrowser();
        using var bob = _app.NewBrowser();
        await alice.GetAsync("/signin?name=alice");
        await alice.GetAsync("/session/set?key=owner&value=alice");
        await bob.GetAsync("/signin?name=bob");
        await bob.GetAsync("/session/set?key=owner&value=bob");
        var requests = new[] { ("alice", await alice.HandshakeAsync("/a?who=alice")), ("bob", await bob.HandshakeAsync("/b?who=bob")) };

        var checkedEvents = 0;
        for (var round = 0; round < 5; round++)
        {
            var events = new List<Task>();
            foreach (var (who, request) in requests)
            {
                for (var i = 0; i < 50; i++)
                {
                    var connection = new ConnectionState();
                    events.Add(Task.Run(() => _app.Bridge.RunAsync(request, connection, async _ =>
                    {
                        await Task.Yield();
                        Assert.Equal(who, Request.User.Identity?.Name);
                        Assert.Equal(who, Request.Query["who"]);
                        await Task.Delay(1);
                        Assert.Equal(who, Current.Session()!.GetString("owner"));
                        Assert.Equal(who, Current.User().Identity?.Name);
                        Interlocked.Increment(ref checkedEvents);
                    })));
                }
            }

            await Task.WhenAll(events);
        }

        Assert.Equal(5 * 2 * 50, checkedEvents);
    }

    [Fact]
    public async Task An_event_middleware_that_redirects_stops_the_handler_and_the_outcome_carries_it()
    {
        var request = await _app.HandshakeAsync(null, "/members-only");
        var (ran, outcome) = await RunNotingAsync(request);

        Assert.False(ran);
        Assert.False(outcome.HandlerRan);
        Assert.True(outcome.IsRedirect);
        Assert.Equal(StatusCodes.Status302Found, outcome.StatusCode);
        Assert.Equal("/login?returnUrl=%2Fmembers-only", outcome.Location);
    }

    [Fact]
    public async Task An_event_middleware_that_denies_stops_the_handler_with_403()
    {
        using var erin = await _app.SignedInBrowserAsync("erin");
        var request = await erin.HandshakeAsync("/forbidden");
        var (ran, outcome) = await RunNotingAsync(request);

        Assert.False(ran);
        Assert.False(outcome.HandlerRan);
        Assert.False(outcome.IsRedirect);
        Assert.Equal(StatusCodes.Status403Forbidden, outcome.StatusCode);
        Assert.Null(outcome.Location);
    }

    [Fact]
    public async Task An_anonymous_connection_keeps_one_session_across_its_events()
    {
        var request = await _app.HandshakeAsync(null, "/");
        var connection = new ConnectionState();
        var writesBefore = _app.Cache.Writes.Count;

        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            Request.Session.SetString("cart", "1 hat");
            return Task.CompletedTask;
        });
        string? cart = null;
        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            cart = Request.Session.GetString("cart");
            Request.Session.SetString("cart", cart + ", 1 scarf");
            return Task.CompletedTask;
        });
        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            cart = Request.Session.GetString("cart");
            return Task.CompletedTask;
        });

        Assert.Equal("1 hat, 1 scarf", cart);
        Assert.Equal(1, _app.Cache.Writes.Count - writesBefore);
    }

    [Fact]
    public async Task A_read_only_event_costs_one_session_store_round_trip()
    {
        using var ivy = await _app.SignedInBrowserAsync("ivy").WithSessionAsync("cart", "1 hat");
        var request = await ivy.HandshakeAsync("/");
        var connection = new ConnectionState();
        await _app.Bridge.RunAsync(request, connection, _ => Task.CompletedTask);
        var (reads, refreshes, writes) = (_app.Cache.Reads, _app.Cache.Refreshes, _app.Cache.Writes.Values.Sum());

        string? cart = null;
        await _app.Bridge.RunAsync(request, connection, _ =>
        {
            cart = Request.Session.GetString("cart");
            return Task.CompletedTask;
        });

        Assert.Equal("1 hat", cart);
        Assert.Equal(1, _app.Cache.Reads - reads);
        Assert.Equal(0, _app.Cache.Refreshes - refreshes);
        Assert.Equal(0, _app.Cache.Writes.Values.Sum() - writes);
    }

    [Fact]
    public async Task A_session_write_made_before_the_handler_throws_is_committed()
    {
        using var frank = await _app.SignedInBrowserAsync("frank").WithSessionAsync("x", "y");
        var request = await frank.HandshakeAsync("/pay");

        await Assert.ThrowsAsync<InvalidOperationException>(() => _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            Request.Session.SetString("step", "charged");
            throw new InvalidOperationException("payment provider failed");
        }));

        Assert.Equal("charged", await frank.GetAsync("/session/get?key=step"));
    }

    [Fact]
    public async Task Each_event_gets_a_fresh_scope_of_its_own()
    {
        var request = await _app.HandshakeAsync(null, "/");
        var providers = new List<IServiceProvider>();
        for (var i = 0; i < 2; i++)
        {
            await _app.Bridge.RunAsync(request, null, context =>
            {
                providers.Add(context.RequestServices);
                return Task.CompletedTask;
            });
        }

        Assert.NotSame(providers[0], providers[1]);
        Assert.NotSame(_app.App.Services, providers[0]);
        Assert.Throws<ObjectDisposedException>(() => providers[0].GetService(typeof(EventBridge)));
    }

    [Fact]
    public async Task A_session_store_that_is_down_is_a_typed_error_and_the_handler_does_not_run()
    {
        using var gina = await _app.SignedInBrowserAsync("gina").WithSessionAsync("k", "v");
        var request = await gina.HandshakeAsync("/");
        _app.Cache.Down = true;
        try
        {
            var ran = false;
            var error = await Assert.ThrowsAsync<SessionUnavailableException>(() => _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
            {
                ran = true;
                return Task.CompletedTask;
            }));

            Assert.False(ran);
            Assert.False(error.HandlerRan);
            Assert.Null(Current.Request());
        }
        finally
        {
            _app.Cache.Down = false;
        }
    }

    [Fact]
    public async Task A_session_write_that_the_store_cannot_save_is_reported_not_lost_silently()
    {
        using var hal = await _app.SignedInBrowserAsync("hal").WithSessionAsync("k", "v");
        var request = await hal.HandshakeAsync("/");

        var error = await Assert.ThrowsAsync<SessionUnavailableException>(() => _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            Request.Session.SetString("k", "changed");
            _app.Cache.Down = true;
            return Task.CompletedTask;
        }));
        _app.Cache.Down = false;

        Assert.True(error.HandlerRan);
        Assert.Equal("v", await hal.GetAsync("/session/get?key=k"));
    }

    /// <summary>Runs one event whose handler only notes that it ran.</summary>
    private async Task<(bool Ran, EventOutcome Outcome)> RunNotingAsync(EventRequest request)
    {
        var ran = false;
        var outcome = await _app.Bridge.RunAsync(request, new ConnectionState(), _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });
        return (ran, outcome);
    }

    private static string Flip(string value) => value[..^4] + (value[^4] == 'A' ? 'B' : 'A') + value[^3..];
}
