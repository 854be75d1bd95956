using System.Diagnostics;

namespace Tether.Diagnostics;

/// <summary>
/// Tether's <see cref="ActivitySource"/> and the names of its activities: one <c>Tether.Event</c> per event, with a child
/// per phase (<c>Tether.Pipeline</c>, <c>Tether.Handler</c>, <c>Tether.Commit</c>).
/// </summary>
/// <remarks>
/// Static, as ASP.NET Core's own sources are (SignalR's <c>Microsoft.AspNetCore.SignalR.Server</c>, Blazor's
/// <c>Microsoft.AspNetCore.Components</c>): listeners subscribe by name, and an <see cref="ActivitySource"/> costs nothing
/// until one does.
/// </remarks>
internal static class TetherActivitySource
{
    public const string EventActivity = "Tether.Event";
    public const string PipelineActivity = "Tether.Pipeline";
    public const string HandlerActivity = "Tether.Handler";
    public const string CommitActivity = "Tether.Commit";

    public static readonly ActivitySource Source = new(TetherDiagnostics.ActivitySourceName);
}
