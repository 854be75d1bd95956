using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components;

namespace Tether.Tests.Components;

/// <summary>The routable pages of <see cref="PageEventTests"/>: what MapRazorComponents finds in this assembly.</summary>
public static class TierPages
{
    [Route("/admin")]
    [Authorize(Roles = "admin")]
    public sealed class AdminPage : ComponentBase;

    [Route("/hot")]
    [EventTier(EventTier.None)]
    public sealed class HotPage : ComponentBase;

    [Route("/hot-members")]
    [Authorize]
    [EventTier(EventTier.None)]
    public sealed class HotMembersPage : ComponentBase;

    [Route("/lean")]
    [EventTier(EventTier.AuthOnly)]
    public sealed class LeanPage : ComponentBase;

    [Route("/broken")]
    [Authorize(Policy = "no-such-policy")]
    public sealed class BrokenPolicyPage : ComponentBase;

    [Route("/orders/new")]
    public sealed class NewOrderPage : ComponentBase;

    [Route("/orders/{id:int}")]
    [Authorize(Roles = "admin")]
    public sealed class OrderPage : ComponentBase;
}
