namespace Tether.Tests.SignalR;

public sealed class HubRegistrationTests
{
    [Theory]
    [InlineData("AddTether() twice")]
    [InlineData("AddTether() and AddTether<TestHub>()")]
    [InlineData("AddTether<TestHub>() and AddTether()")]
    [InlineData("AddTether<TestHub>() twice")]
    public async Task Bridging_a_hub_twice_still_runs_each_call_through_the_event_pipeline_once(string registration)
    {
        var pipelineRuns = 0;
        await using var app = await CoreTestApp.StartAsync(
            events: events => events.Use((context, next) =>
            {
                Interlocked.Increment(ref pipelineRuns);
                return next(context);
            }),
            services: services =>
            {
                var signalR = services.AddSignalR();
                switch (registration)
                {
                    case "AddTether() twice":
                        signalR.AddTether();
                        signalR.AddTether();
                        break;
                    case "AddTether() and AddTether<TestHub>()":
                        signalR.AddTether();
                        signalR.AddTether<TestHub>();
                        break;
                    case "AddTether<TestHub>() and AddTether()":
                        signalR.AddTether<TestHub>();
                        signalR.AddTether();
                        break;
                    default:
                        signalR.AddTether<TestHub>();
                        signalR.AddTether<TestHub>();
                        break;
                }
            },
            map: app => app.MapHub<TestHub>("/hubs/test"));

        var connection = await app.ConnectAsync(location: "/once");
        await using (connection)
        {
            await connection.InvokeAsync<Whoami>("Whoami");
            var before = Volatile.Read(ref pipelineRuns);

            var me = await connection.InvokeAsync<Whoami>("Whoami");

            Assert.Equal("/once", me.Path);
            Assert.Equal(1, Volatile.Read(ref pipelineRuns) - before);
        }
    }
}
