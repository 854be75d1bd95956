using Microsoft.AspNetCore.Hosting;
using Tether.Components;

namespace Tether.Tests.Events;

public class StartupValidationTests
{
    // The registrations UseTether needs, one by one, so a test can leave one out.
    private static readonly Action<IServiceCollection> s_session = services => services.AddDistributedMemoryCache().AddSession();
    private static readonly Action<IServiceCollection> s_cookies = services => services.AddAuthentication().AddCookie();
    private static readonly Action<IServiceCollection> s_tether = services => services.AddTether();

    [Fact]
    public async Task UseTether_without_AddTether_says_which_call_is_missing()
    {
        await using var app = Build(services => services.AddSession());

        var error = Assert.Throws<InvalidOperationException>(() => app.UseTether());

        Assert.Contains("AddTether()", error.Message);
    }

    [Fact]
    public async Task UseTether_without_AddSession_says_which_call_is_missing()
    {
        await using var app = Build(s_cookies, s_tether);

        var error = Assert.Throws<InvalidOperationException>(() => app.UseTether());

        Assert.Contains("AddSession()", error.Message);
    }

    [Fact]
    public async Task UseTether_without_AddAuthentication_says_which_call_is_missing()
    {
        await using var app = Build(s_session, s_tether);

        var error = Assert.Throws<InvalidOperationException>(() => app.UseTether());

        Assert.Contains("AddAuthentication(", error.Message);
    }

    [Fact]
    public async Task Session_and_authentication_can_be_left_out_of_the_event_pipeline()
    {
        await using var app = Build(services => services.AddTether(o =>
        {
            o.UseSession = false;
            o.UseAuthentication = false;
        }));
        app.UseTether();
        var request = EventRequest.FromHttpContext(new Microsoft.AspNetCore.Http.DefaultHttpContext(), "/x?y=1");

        string? y = null;
        var sessionInEvent = "unread";
        var outcome = await app.Services.GetRequiredService<EventBridge>().RunAsync(request, null, _ =>
        {
            y = Current.Request()?.Query["y"];
            sessionInEvent = Current.Session() is null ? "none" : "present";
            return Task.CompletedTask;
        });

        Assert.True(outcome.HandlerRan);
        Assert.Equal("1", y);
        // Read inside the event: outside one, Current.Session() is null whatever the pipeline does.
        Assert.Equal("none", sessionInEvent);
    }

    public static TheoryData<string, string> InvalidOptions => new()
    {
        { "MaxHeaderCount", "-1" },
        { "MaxHeadersTotalSize", "-1" },
        { "MaxCookiesTotalSize", "-1" },
        { "MaxLocationLength", "-5" },
        { "UnprotectCacheDuration", "-00:00:01" },
        { "AllowedOrigins", "not an origin" },
        { "AllowedOrigins", "https://admin.example.com/some/path" },
        { "AllowedOrigins", "ftp://admin.example.com" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task An_invalid_option_fails_start_up_with_a_message_naming_it(string option, string value)
    {
        await using var app = Build(s_session, s_cookies, services => services.AddTether(o =>
        {
            switch (option)
            {
                case "MaxHeaderCount": o.MaxHeaderCount = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxHeadersTotalSize": o.MaxHeadersTotalSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxCookiesTotalSize": o.MaxCookiesTotalSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "MaxLocationLength": o.MaxLocationLength = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "UnprotectCacheDuration": o.UnprotectCacheDuration = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                default: o.AllowedOrigins.Add(value); break;
            }
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            app.UseTether();
            await app.StartAsync();
        });

        Assert.Contains("TetherOptions." + option, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public async Task AddTether_without_UseTether_fails_start_up_saying_so()
    {
        await using var app = Build(s_session, s_cookies, s_tether);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("app.UseTether()", error.Message);
    }

    [Fact]
    public async Task AddAppState_without_AddInteractiveServer_fails_start_up_saying_so()
    {
        await using var app = Build(s_session, s_cookies, s_tether, services => services.AddAppState<NoteState>());
        app.UseTether();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());

        Assert.Contains("AddAppState<NoteState>()", error.Message);
        Assert.Contains("AddInteractiveServer()", error.Message);
    }

    [Fact]
    public async Task A_complete_registration_starts()
    {
        await using var app = Build(s_session, s_cookies, services =>
        {
            services.AddTether(o => o.AllowedOrigins.Add("https://admin.example.com")).AddInteractiveServer();
            services.AddAppState<NoteState>();
        });
        app.UseTether();

        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task A_Redis_switch_changed_after_AddRedis_fails_the_start_and_says_where_to_set_it()
    {
        // Nothing listens on port 1: the switches are checked before anything connects.
        await using var app = Build(services =>
        {
            services.AddTether().AddRedis("127.0.0.1:1");
            services.Configure<Tether.Redis.TetherRedisOptions>(options => options.UseSignalRBackplane = false);
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("AddRedis(...)", error.Message);
    }

    [Fact]
    public async Task An_empty_sign_in_key_prefix_fails_the_start_and_names_the_option()
    {
        await using var app = Build(s_session, s_cookies, services => services.AddTether().AddRevocableSignIn(options => options.KeyPrefix = ""));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("RevocableSignInOptions.KeyPrefix", error.Message);
    }

    /// <summary>An app (not started) with the given registrations, in order.</summary>
    private static WebApplication Build(params Action<IServiceCollection>[] registrations)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        foreach (var register in registrations)
        {
            register(builder.Services);
        }

        return builder.Build();
    }
}

public sealed class NoteState : AppState;
