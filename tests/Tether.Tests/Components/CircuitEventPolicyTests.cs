using Tether.Components;

namespace Tether.Tests.Components;

/// <summary>
/// How a circuit activity runs (<see cref="CircuitEventPolicy"/>): passive, unbridged, or bridged at which tier and
/// against which pages. Pure: no server, no circuit.
/// </summary>
public sealed class CircuitEventPolicyTests
{
    private static readonly PageEndpoint s_admin = Page<TierPages.AdminPage>();
    private static readonly PageEndpoint s_order = Page<TierPages.OrderPage>();
    private static readonly PageEndpoint s_hot = Page<TierPages.HotPage>();
    private static readonly PageEndpoint s_hotMembers = Page<TierPages.HotMembersPage>();
    private static readonly PageEndpoint s_lean = Page<TierPages.LeanPage>();
    private static readonly PageEndpoint s_newOrder = Page<TierPages.NewOrderPage>();

    [Theory]
    [InlineData("OnRenderCompleted")]
    [InlineData("EndInvokeJSFromDotNet")]
    [InlineData("ReceiveByteArray")]
    [InlineData("ReceiveJSDataChunk")]
    [InlineData("SendDotNetStreamToJS")]
    public void Render_acknowledgements_replies_and_stream_chunks_are_passive(string hubMethod)
        => Assert.Equal(CircuitActivityKind.Passive, CircuitEventPolicy.KindOf(new ComponentHubCall(hubMethod, null)));

    [Fact]
    public void The_pages_report_of_its_location_is_passive_and_other_js_calls_are_page_events()
    {
        Assert.Equal(CircuitActivityKind.Passive, CircuitEventPolicy.KindOf(
            new ComponentHubCall("BeginInvokeDotNetFromJS", null, ["1", null, CircuitLocation.ReportMethod, 1L, "[]"])));
        Assert.Equal(CircuitActivityKind.PageEvent, CircuitEventPolicy.KindOf(
            new ComponentHubCall("BeginInvokeDotNetFromJS", null, ["1", null, "DispatchEventAsync", 1L, "[]"])));
        Assert.Equal(CircuitActivityKind.PageEvent, CircuitEventPolicy.KindOf(new ComponentHubCall("DispatchBrowserEvent", null)));
    }

    [Fact]
    public void A_static_call_under_the_reports_name_is_a_page_event_not_a_passive_report()
    {
        // Only the instance call on the circuit's own reporter is passive; a client naming an assembly's static method
        // "Tether.ReportLocation" (or no object) gets the page's bridge and checks like any other call.
        Assert.Equal(CircuitActivityKind.PageEvent, CircuitEventPolicy.KindOf(
            new ComponentHubCall("BeginInvokeDotNetFromJS", null, ["1", "Shop", CircuitLocation.ReportMethod, 0L, "[]"])));
        Assert.Equal(CircuitActivityKind.PageEvent, CircuitEventPolicy.KindOf(
            new ComponentHubCall("BeginInvokeDotNetFromJS", null, ["1", null, CircuitLocation.ReportMethod, 0L, "[]"])));
    }

    [Theory]
    [InlineData("OnLocationChanged")]
    [InlineData("UpdateRootComponents")]
    [InlineData("StartCircuit")]
    public void The_circuits_own_activities_and_unknown_ones_are_circuit_activities(string hubMethod)
    {
        Assert.Equal(CircuitActivityKind.CircuitActivity, CircuitEventPolicy.KindOf(new ComponentHubCall(hubMethod, null)));
        Assert.Equal(CircuitActivityKind.CircuitActivity, CircuitEventPolicy.KindOf(null));
    }

    [Fact]
    public void A_circuit_activity_runs_the_whole_bridge_whatever_its_page_and_checks_no_page()
    {
        var plan = Decide(CircuitActivityKind.CircuitActivity, page: s_hot, authorized: [s_admin], pageNotResolved: true);

        Assert.Equal(CircuitEventMode.Bridged, plan.Mode);
        Assert.Equal(EventTier.Full, plan.Tier);
        Assert.Null(plan.Page);
        Assert.Empty(plan.PagesToRecheck);
    }

    [Fact]
    public void A_page_event_whose_page_cannot_be_resolved_is_refused()
        => Assert.Equal(CircuitEventMode.PageNotResolved, Decide(pageNotResolved: true, authorized: [s_admin]).Mode);

    [Fact]
    public void A_page_event_runs_at_its_pages_tier_against_its_page()
    {
        var lean = Decide(page: s_lean);
        Assert.Equal((CircuitEventMode.Bridged, EventTier.AuthOnly), (lean.Mode, lean.Tier));
        Assert.Same(s_lean, lean.Page);

        var admin = Decide(page: s_admin);
        Assert.Equal((CircuitEventMode.Bridged, EventTier.Full), (admin.Mode, admin.Tier));
        Assert.Same(s_admin, admin.Page);

        Assert.Equal((CircuitEventMode.Unbridged, EventTier.None), (Decide(page: s_hot).Mode, Decide(page: s_hot).Tier));
    }

    [Fact]
    public void An_authorize_page_of_tier_none_still_authenticates()
    {
        var plan = Decide(page: s_hotMembers);

        Assert.Equal((CircuitEventMode.Bridged, EventTier.AuthOnly), (plan.Mode, plan.Tier));
        Assert.Same(s_hotMembers, plan.Page);
    }

    [Theory]
    [InlineData(EventTier.None, false)]
    [InlineData(EventTier.AuthOnly, true)]
    [InlineData(EventTier.Full, true)]
    public void A_location_that_is_no_page_runs_at_the_no_page_tier(EventTier noPageTier, bool bridged)
    {
        var plan = Decide(page: null, noPageTier: noPageTier);

        Assert.Equal((bridged ? CircuitEventMode.Bridged : CircuitEventMode.Unbridged, noPageTier), (plan.Mode, plan.Tier));
        Assert.Null(plan.Page);
    }

    [Fact]
    public void A_rejected_location_runs_the_whole_bridge_even_where_events_skip_it()
    {
        var plan = Decide(page: null, noPageTier: EventTier.None, locationRejected: true, authorized: [s_admin]);

        Assert.Equal((CircuitEventMode.Bridged, EventTier.Full), (plan.Mode, plan.Tier));
        Assert.Equal([s_admin], plan.PagesToRecheck);
    }

    [Fact]
    public void Once_authorized_on_an_authorize_page_events_elsewhere_recheck_it_and_authenticate_at_least()
    {
        var hot = Decide(page: s_hot, authorized: [s_admin]);
        Assert.Equal((CircuitEventMode.Bridged, EventTier.AuthOnly), (hot.Mode, hot.Tier));
        Assert.Equal([s_admin], hot.PagesToRecheck);

        var lean = Decide(page: s_lean, authorized: [s_admin, s_order]);
        Assert.Equal(EventTier.AuthOnly, lean.Tier);
        Assert.Equal([s_admin, s_order], lean.PagesToRecheck);

        var full = Decide(page: s_newOrder, authorized: [s_admin]);
        Assert.Equal(EventTier.Full, full.Tier);
        Assert.Equal([s_admin], full.PagesToRecheck);
    }

    [Fact]
    public void An_event_on_an_authorized_page_checks_that_page_once_and_rechecks_only_the_others()
    {
        var authorized = new[] { s_admin };
        var alone = Decide(page: s_admin, authorized: authorized);
        Assert.Same(s_admin, alone.Page);
        Assert.Empty(alone.PagesToRecheck);

        var withOther = Decide(page: s_order, authorized: [s_admin, s_order]);
        Assert.Same(s_order, withOther.Page);
        Assert.Equal([s_admin], withOther.PagesToRecheck);
    }

    [Fact]
    public void With_nothing_authorized_yet_nothing_is_rechecked_and_the_array_is_not_copied()
    {
        var authorized = new[] { s_admin };

        Assert.Empty(Decide(page: s_hot).PagesToRecheck);
        Assert.Same(authorized, Decide(page: s_lean, authorized: authorized).PagesToRecheck);
    }

    [Fact]
    public void Deciding_an_event_on_a_page_of_tier_none_allocates_nothing()
    {
        // Every UI event is decided: on a page of tier none that is most of what Tether does for it (issue 20's tier
        // target), so it must not allocate (a lambda's closure once cost 24 B on every event, whatever the branch).
        PageEndpoint[] none = [];
        var warm = Decide(page: s_hot, authorized: none);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var plan = Decide(page: s_hot, authorized: none);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(CircuitEventMode.Unbridged, plan.Mode);
        Assert.Equal(warm, plan);
        Assert.Equal(0, allocated);
    }

    private static CircuitEventPlan Decide(
        CircuitActivityKind kind = CircuitActivityKind.PageEvent,
        PageEndpoint? page = null,
        PageEndpoint[]? authorized = null,
        bool locationRejected = false,
        bool pageNotResolved = false,
        EventTier noPageTier = EventTier.Full)
        => CircuitEventPolicy.Decide(kind, locationRejected, page, pageNotResolved, noPageTier, authorized ?? []);

    private static PageEndpoint Page<TPage>()
        => new(typeof(TPage), new Endpoint(null, new EndpointMetadataCollection(typeof(TPage).GetCustomAttributes(inherit: true)), typeof(TPage).Name), null, hasFallbackPolicy: false, new TetherOptions());
}
