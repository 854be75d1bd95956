using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.Tests.Core;

public class StartupValidationTests
{
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
        await using var app = Build(services =>
        {
            services.AddAuthentication().AddCookie();
            services.AddTether();
        });

        var error = Assert.Throws<InvalidOperationException>(() => app.UseTether());

        Assert.Contains("AddSession()", error.Message);
    }

    [Fact]
    public async Task UseTether_without_AddAuthentication_says_which_call_is_missing()
    {
        await using var app = Build(services =>
        {
            services.AddDistributedMemoryCache().AddSession();
            services.AddTether();
        });

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
        var outcome = await app.Services.GetRequiredService<IEventBridge>().RunAsync(request, null, _ =>
        {
            y = Current.Request()?.Query["y"];
            return Task.CompletedTask;
        });

        Assert.True(outcome.HandlerRan);
        Assert.Equal("1", y);
        Assert.Null(Current.Session());
    }

    private static WebApplication Build(Action<IServiceCollection> services)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        services(builder.Services);
        return builder.Build();
    }
}
