using Microsoft.AspNetCore.Authorization;
using Tether.SignalR;

namespace Tether.Tests.SignalR;

/// <summary>A hub whose methods choose their event tier.</summary>
public sealed class TierHub : AppHub
{
    /// <summary>What the call saw: its user, whether the app's event middleware ran, whether any context was bound.</summary>
    public string Seen() => Describe();

    [EventTier(EventTier.AuthOnly)]
    public string Lean() => Describe();

    [EventTier(EventTier.None)]
    public string Hot() => Describe();

    [Authorize]
    [EventTier(EventTier.None)]
    public string HotSecret() => Describe();

    private static string Describe() => Current.HttpContext() is { } context
        ? (context.User.Identity?.Name ?? "anonymous") + (context.Items.ContainsKey(AppEventMiddleware.MarkerKey) ? " with middleware" : " without middleware")
        : "no context";
}
