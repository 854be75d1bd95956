using Tether.Tiers;
namespace Tether.Tests.Events;

public sealed class EventTiersTests
{
    private static readonly EventTierContext s_target = new("SignalR", typeof(object), null, null);

    [Fact]
    public void A_targets_own_attribute_wins_over_the_resolver_and_the_resolver_over_the_default()
    {
        var options = new TetherOptions { DefaultEventTier = EventTier.None, EventTierResolver = _ => EventTier.AuthOnly };

        Assert.Equal(EventTier.Full, EventTiers.Resolve(options, s_target, new EventTierAttribute(EventTier.Full), needsAuthentication: false));
        Assert.Equal(EventTier.AuthOnly, EventTiers.Resolve(options, s_target, null, needsAuthentication: false));

        options.EventTierResolver = _ => null;
        Assert.Equal(EventTier.None, EventTiers.Resolve(options, s_target, null, needsAuthentication: false));
    }

    [Fact]
    public void An_event_that_needs_authentication_never_runs_below_auth_only_and_an_unknown_tier_runs_the_whole_bridge()
    {
        var options = new TetherOptions { DefaultEventTier = EventTier.None };

        Assert.Equal(EventTier.AuthOnly, EventTiers.Resolve(options, s_target, null, needsAuthentication: true));
        Assert.Equal(EventTier.Full, EventTiers.Resolve(options, s_target, new EventTierAttribute((EventTier)7), needsAuthentication: false));
    }
}
