using Microsoft.AspNetCore.Hosting;

namespace Tether.Tests.Handoff;

public sealed class HandoffStartupTests
{
    [Theory]
    [InlineData(31)]
    [InlineData(0)]
    public async Task A_handoff_lifetime_outside_zero_to_thirty_seconds_is_refused_at_start_up(int seconds)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Services.AddDistributedMemoryCache().AddSession();
        builder.Services.AddAuthentication().AddCookie();
        builder.Services.AddTether(options => options.CookieHandoffLifetime = TimeSpan.FromSeconds(seconds));
        await using var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseTether());

        Assert.Contains("CookieHandoffLifetime", error.Message);
    }
}
