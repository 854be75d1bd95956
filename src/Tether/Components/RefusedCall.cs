using Microsoft.JSInterop;
using Microsoft.JSInterop.Infrastructure;

namespace Tether.Components;

/// <summary>
/// Completes, as failed, the browser's call of an event Tether refused. Every UI event arrives as a
/// <c>BeginInvokeDotNetFromJS</c> whose result the page awaits; a refused event never reaches Blazor's dispatch, so
/// without this the page would keep one pending call per refused event for the rest of the circuit.
/// </summary>
/// <remarks>
/// Blazor completes a JS call only from <see cref="DotNetDispatcher.BeginInvokeDotNet"/> (its <c>EndInvokeDotNet</c>
/// is protected). So the refused call is dispatched again under its own call id, to a method that does not exist: the
/// dispatcher fails it, logs that at Debug (<c>RemoteJSRuntime</c>, event id 2), and the page's promise rejects with
/// Blazor's usual message, which names <see cref="Method"/> (the whole exception only with
/// <c>CircuitOptions.DetailedErrors</c>). No app code runs: the method is looked up in Tether's assembly, which defines
/// no static JS-invokable method. Stateless.
/// </remarks>
internal static class RefusedCall
{
    /// <summary>What the page's rejected promise names: Tether defines no such method, on purpose.</summary>
    public const string Method = "Tether.EventRefused";

    private static readonly string s_assembly = typeof(RefusedCall).Assembly.GetName().Name!;

    public static void Complete(IJSRuntime js, ComponentHubCall? activity)
    {
        if (activity is { HubMethod: ComponentHubContract.BeginInvokeDotNetFromJS, CallId: { } callId } && js is JSRuntime runtime)
        {
            DotNetDispatcher.BeginInvokeDotNet(runtime, new DotNetInvocationInfo(s_assembly, Method, 0, callId), "[]");
        }
    }
}
