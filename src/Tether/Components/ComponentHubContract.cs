using System.Reflection;
using Microsoft.AspNetCore.SignalR;

namespace Tether.Components;

/// <summary>
/// The parts of Blazor's <c>ComponentHub</c> that Tether keys on: its type name, the hub methods it tells apart
/// (<see cref="ComponentHubCall"/>), and the argument list of <c>BeginInvokeDotNetFromJS</c> it reads a call's id and
/// target from. Blazor's hub is internal, so nothing but this check notices when a framework release renames one: an app
/// built for net10.0 rolls forward onto a later runtime, and a renamed method would silently run as another kind of
/// activity. Start-up checks it against the running framework (<see cref="TetherStartupCheck"/>). Stateless.
/// </summary>
internal static class ComponentHubContract
{
    public const string HubTypeName = "Microsoft.AspNetCore.Components.Server.ComponentHub";

    public const string BeginInvokeDotNetFromJS = nameof(BeginInvokeDotNetFromJS);
    public const string DispatchBrowserEvent = nameof(DispatchBrowserEvent);
    public const string OnRenderCompleted = nameof(OnRenderCompleted);
    public const string EndInvokeJSFromDotNet = nameof(EndInvokeJSFromDotNet);
    public const string ReceiveByteArray = nameof(ReceiveByteArray);
    public const string ReceiveJSDataChunk = nameof(ReceiveJSDataChunk);
    public const string SendDotNetStreamToJS = nameof(SendDotNetStreamToJS);

    /// <summary>The methods Tether keys on, each of which must exist on the running framework's hub.</summary>
    private static readonly string[] s_methods =
    [
        BeginInvokeDotNetFromJS, OnRenderCompleted, EndInvokeJSFromDotNet, ReceiveByteArray, ReceiveJSDataChunk, SendDotNetStreamToJS,
    ];

    // BeginInvokeDotNetFromJS(string callId, string assemblyName, string methodIdentifier, long dotNetObjectId, string argsJson)
    private static readonly Type[] s_beginInvokeArguments = [typeof(string), typeof(string), typeof(string), typeof(long), typeof(string)];

    /// <summary>The running framework's <c>ComponentHub</c>, or <see langword="null"/> when it has none of that name.</summary>
    public static Type? HubType { get; } = typeof(Microsoft.AspNetCore.Components.Server.CircuitOptions).Assembly.GetType(HubTypeName);

    /// <summary>What changed in the running framework's <c>ComponentHub</c>, or <see langword="null"/> when nothing did.</summary>
    public static string? Problem() => Problem(HubType);

    internal static string? Problem(Type? hub)
    {
        var framework = $"ASP.NET Core {Environment.Version}";
        if (hub is null || !typeof(Hub).IsAssignableFrom(hub))
        {
            return $"Tether bridges Blazor circuits through the hub {HubTypeName}, which {framework} no longer has. " +
                "This version of Tether does not support that framework; update Tether.";
        }

        var methods = hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
        var missing = s_methods.Where(name => !methods.Any(m => m.Name == name)).ToList();
        if (missing.Count > 0)
        {
            return $"Tether tells Blazor's circuit activities apart by the methods of {HubTypeName}, and {framework} no longer has " +
                $"{string.Join(", ", missing)}. This version of Tether does not support that framework; update Tether.";
        }

        var beginInvoke = methods.Where(m => m.Name == BeginInvokeDotNetFromJS).Select(m => m.GetParameters().Select(p => p.ParameterType).ToArray());
        if (!beginInvoke.Any(parameters => parameters.SequenceEqual(s_beginInvokeArguments)))
        {
            return $"Tether reads a UI event's call id and target from the arguments of {HubTypeName}.{BeginInvokeDotNetFromJS} " +
                $"(string callId, string assemblyName, string methodIdentifier, long dotNetObjectId, string argsJson), and {framework} changed them. " +
                "This version of Tether does not support that framework; update Tether.";
        }

        return null;
    }
}
