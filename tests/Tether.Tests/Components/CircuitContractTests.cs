using Microsoft.AspNetCore.SignalR;
using Tether.Components;

namespace Tether.Tests.Components;

/// <summary>
/// What Tether relies on in Blazor's circuit machinery: the hub call that brings each activity, and the methods of
/// Blazor's own hub. When either is not what Tether expects, it refuses or fails start-up; it never runs app code unbridged.
/// </summary>
public sealed class CircuitContractTests : IAsyncLifetime, IDisposable
{
    private readonly FakeLogCollector _logs = new();
    private readonly FakeLoggerProvider _provider;
    private CoreTestApp _app = null!;

    public CircuitContractTests() => _provider = new FakeLoggerProvider(_logs);

    public async Task InitializeAsync() => _app = await CoreTestApp.StartAsync(services: services =>
    {
        services.AddLogging(logging => logging.AddProvider(_provider).AddFilter<FakeLoggerProvider>("Tether", LogLevel.Debug));
        services.AddTestCircuits();
    });

    public async Task DisposeAsync() => await _app.DisposeAsync();

    public void Dispose() => _provider.Dispose();

    [Fact]
    public async Task An_activity_that_came_without_its_hub_call_is_refused_with_one_logged_error()
    {
        await using var circuit = CircuitHandlerTests.Circuit.Open(_app, cookieHeader: null);
        var ran = false;

        await circuit.ActivityAsync("BeginInvokeDotNetFromJS", () => ran = true, withHubCall: false);

        Assert.False(ran);
        Assert.Equal(StatusCodes.Status500InternalServerError, circuit.State.DeniedStatusCode);
        var error = Assert.Single(_logs.Tethers(), r => r.Level >= LogLevel.Warning);
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Equal("NoHandshake", error.Id.Name);
    }

    [Fact]
    public void The_running_frameworks_Blazor_hub_has_every_method_Tether_keys_on()
        => Assert.Null(ComponentHubContract.Problem());

    [Fact]
    public void A_Blazor_hub_that_lost_a_method_Tether_keys_on_is_named_in_the_start_up_error()
    {
        var error = ComponentHubContract.Problem(typeof(RenamedHub));

        Assert.NotNull(error);
        Assert.Contains("no longer has OnRenderCompleted, EndInvokeJSFromDotNet", error, StringComparison.Ordinal);
        Assert.Contains(ComponentHubContract.HubTypeName, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Blazor_hub_whose_event_call_takes_other_arguments_is_named_in_the_start_up_error()
        => Assert.Contains("BeginInvokeDotNetFromJS", ComponentHubContract.Problem(typeof(ReshapedHub)), StringComparison.Ordinal);

    [Fact]
    public void A_framework_without_Blazors_hub_is_named_in_the_start_up_error()
        => Assert.Contains("no longer has", ComponentHubContract.Problem(hub: null), StringComparison.Ordinal);

    // Stand-ins for a later framework's hub: only their method names and parameters matter.
#pragma warning disable CA1822
    private sealed class RenamedHub : Hub
    {
        public void BeginInvokeDotNetFromJS(string callId, string assemblyName, string methodIdentifier, long dotNetObjectId, string argsJson)
        {
        }

        public void ReceiveByteArray()
        {
        }

        public void ReceiveJSDataChunk()
        {
        }

        public void SendDotNetStreamToJS()
        {
        }
    }

    private sealed class ReshapedHub : Hub
    {
        public void BeginInvokeDotNetFromJS(string callId, string methodIdentifier, string argsJson)
        {
        }

        public void OnRenderCompleted()
        {
        }

        public void EndInvokeJSFromDotNet()
        {
        }

        public void ReceiveByteArray()
        {
        }

        public void ReceiveJSDataChunk()
        {
        }

        public void SendDotNetStreamToJS()
        {
        }
    }
#pragma warning restore CA1822
}
