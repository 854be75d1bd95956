using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;

namespace Tether.Components;

/// <summary>
/// What the circuit's hub call was, carried on the async flow from <see cref="ComponentHubCallFilter"/> to
/// <see cref="TetherCircuitHandler"/>. Every <c>ComponentHub</c> method starts its circuit work fire-and-forget from inside
/// the hub call, so an async-local set by a hub filter reaches the circuit's inbound activity handler.
/// </summary>
/// <remarks>
/// A struct over the hub call's own <see cref="HubInvocationContext"/>, which is what the flow carries: tagging a call
/// allocates nothing but the flow's own copy. Concurrency: immutable; each async flow sees its own <see cref="Current"/>.
/// </remarks>
internal readonly struct ComponentHubCall(string hubMethod, HttpContext? connection, IReadOnlyList<object?>? arguments = null)
{
    // The hub call (set by the filter), or a call made up by a test.
    private static readonly AsyncLocal<object?> s_current = new();

    public static ComponentHubCall? Current
    {
        get => s_current.Value switch
        {
            HubInvocationContext call => new ComponentHubCall(call.HubMethodName, call.Context.GetHttpContext(), call.HubMethodArguments),
            ComponentHubCall made => made,
            _ => null,
        };
        set => s_current.Value = value;
    }

    /// <summary>Tags this async flow with <paramref name="call"/>, a call to Blazor's <c>ComponentHub</c>.</summary>
    public static void Tag(HubInvocationContext call) => s_current.Value = call;

    /// <summary>The <c>ComponentHub</c> method, such as <c>DispatchBrowserEvent</c> or <c>OnRenderCompleted</c>.</summary>
    public string HubMethod { get; } = hubMethod;

    /// <summary>The request that carries the circuit's connection (the WebSocket upgrade), while it is open.</summary>
    public HttpContext? Connection { get; } = connection;

    /// <summary>
    /// The id the browser awaits the result of a <c>BeginInvokeDotNetFromJS</c> under, or <see langword="null"/> when it
    /// awaits none. A refused call must still be completed under it, or the page keeps it pending for good.
    /// </summary>
    public string? CallId => IsDotNetCall && arguments is [string callId, ..] ? callId : null;

    /// <summary>The JS-invokable identifier a <c>BeginInvokeDotNetFromJS</c> calls.</summary>
    public string? DotNetMethod => IsDotNetCall && arguments is [_, _, string method, ..] ? method : null;

    // BeginInvokeDotNetFromJS(string callId, string assemblyName, string methodIdentifier, long dotNetObjectId, string
    // argsJson): the hub call's own argument list is kept, not copies of its parts, so a call costs one reference more.
    private bool IsDotNetCall => HubMethod is ComponentHubContract.BeginInvokeDotNetFromJS;

    /// <summary>
    /// Activities that run no app code of their own: render acknowledgements, replies to JS calls the server made
    /// (their continuations run inside the event that made the call) and stream chunks. They skip the event pipeline,
    /// so they cost no cookie decryption and no session-store round trip.
    /// </summary>
    /// <remarks>
    /// The page's report of its URL (<see cref="CircuitLocation.ReportMethod"/>) is one too: it only corrects the location
    /// the next events run at, and running it through the bridge at the stale location would be the very bug it fixes.
    /// </remarks>
    public bool IsPassive => HubMethod is ComponentHubContract.OnRenderCompleted or ComponentHubContract.EndInvokeJSFromDotNet
        or ComponentHubContract.ReceiveByteArray or ComponentHubContract.ReceiveJSDataChunk or ComponentHubContract.SendDotNetStreamToJS
        || IsLocationReport;

    // The page's report of its URL: an instance call (no assembly name, an object id) of Tether's reserved identifier. A
    // static call of that name to some assembly is no report, and runs as the page event it is.
    private bool IsLocationReport => DotNetMethod is CircuitLocation.ReportMethod
        && arguments is [_, null, _, long objectId, ..] && objectId != 0;

    /// <summary>Activities whose app code a middleware may veto: UI events and JS-to-.NET calls.</summary>
    /// <remarks>
    /// Measured on .NET 10 with the Shop's browser tests: every UI event (a click, an input's change) arrives as
    /// <c>BeginInvokeDotNetFromJS</c>, because the web renderer dispatches events through JS interop; a page load brings
    /// <c>UpdateRootComponents</c>, a navigation <c>OnLocationChanged</c> and <c>UpdateRootComponents</c>; each render is
    /// followed by a passive <c>OnRenderCompleted</c>.
    /// </remarks>
    public bool IsUserEvent => HubMethod is ComponentHubContract.DispatchBrowserEvent or ComponentHubContract.BeginInvokeDotNetFromJS;
}
