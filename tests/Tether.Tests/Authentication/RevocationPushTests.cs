namespace Tether.Tests.Authentication;

public sealed class RevocationPushTests
{
    [Fact]
    public async Task A_sign_out_over_http_tells_the_open_hub_connection_at_once_and_closes_it()
    {
        await using var app = await RevocableSignInTests.StartAsync();
        using var browser = await app.SignedInBrowserAsync("hana");
        await using var hub = await app.ConnectAsync(browser.Cookies);
        Assert.Equal("hana", (await hub.InvokeAsync<Whoami>("Whoami")).User);
        var told = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.OnSignedOut(() => told.TrySetResult());
        hub.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };

        await browser.GetAsync("/signout");

        await told.Task.WaitAsync(TimeSpan.FromSeconds(1));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_revoked_hub_connection_can_stay_open_as_anonymous_when_the_app_says_so()
    {
        await using var app = await RevocableSignInTests.StartAsync(configure: o => o.CloseHubConnections = false);
        using var ivan = app.NewBrowser();
        using var jane = app.NewBrowser();
        await ivan.GetAsync("/signin?name=ivan");
        await jane.GetAsync("/signin?name=jane");
        await using var ivanHub = await app.ConnectAsync(ivan.Cookies);
        await using var janeHub = await app.ConnectAsync(jane.Cookies);
        Assert.Equal("ivan", (await ivanHub.InvokeAsync<Whoami>("Whoami")).User);
        Assert.Equal("jane", (await janeHub.InvokeAsync<Whoami>("Whoami")).User);
        var ivanTold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var janeTold = 0;
        ivanHub.OnSignedOut(() => ivanTold.TrySetResult());
        janeHub.OnSignedOut(() => Interlocked.Increment(ref janeTold));

        await jane.GetAsync("/revoke-user?name=ivan");

        await ivanTold.Task.WaitAsync(TimeSpan.FromSeconds(1));
        Assert.Null((await ivanHub.InvokeAsync<Whoami>("Whoami")).User);
        Assert.Equal(HubConnectionState.Connected, ivanHub.State);
        Assert.Equal("jane", (await janeHub.InvokeAsync<Whoami>("Whoami")).User);
        Assert.Equal(0, janeTold);
    }
}
