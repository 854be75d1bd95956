using System.Reflection;
using System.Threading.Channels;
using Microsoft.AspNetCore.Authorization;
using Tether.SignalR;

namespace Tether.Tests.SignalR;

/// <summary>What the hub adapter reads off a hub method, once, without SignalR or Kestrel.</summary>
public sealed class HubMethodDescriptorTests
{
    [Fact]
    public void A_methods_tier_wins_over_its_hubs_and_the_hubs_over_the_resolver()
    {
        var asked = new List<EventTierContext>();
        var options = new TetherOptions { EventTierResolver = target => { asked.Add(target); return EventTier.None; } };

        Assert.Equal(EventTier.None, HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.Plain)), options).Tier);
        Assert.Equal(EventTier.AuthOnly, HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.Lean)), options).Tier);
        Assert.Equal(EventTier.Full, HubMethodDescriptor.ForMethod(typeof(FullHub), Method<FullHub>(nameof(FullHub.Plain)), options).Tier);
        Assert.Equal(EventTier.None, HubMethodDescriptor.ForMethod(typeof(FullHub), Method<FullHub>(nameof(FullHub.Hot)), options).Tier);

        var target = Assert.Single(asked);
        Assert.Equal("SignalR", target.Transport);
        Assert.Equal(typeof(PlainHub), target.Target);
        Assert.Equal(nameof(PlainHub.Plain), target.Method?.Name);
    }

    [Fact]
    public void A_method_with_authorize_data_or_an_upload_runs_at_least_auth_only()
    {
        var options = new TetherOptions { DefaultEventTier = EventTier.None };

        var secret = HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.Secret)), options);
        Assert.Equal(EventTier.AuthOnly, secret.Tier);
        Assert.Equal("admins", Assert.Single(secret.AuthorizeData).Policy);

        Assert.Equal(EventTier.AuthOnly, HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.UploadChannel)), options).Tier);
        Assert.Equal(EventTier.AuthOnly, HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.UploadStream)), options).Tier);
        Assert.Empty(HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.UploadStream)), options).AuthorizeData);
    }

    [Fact]
    public void A_hubs_authorize_data_is_checked_on_each_of_its_methods_unless_one_allows_anonymous()
    {
        var options = new TetherOptions { DefaultEventTier = EventTier.None };

        var plain = HubMethodDescriptor.ForMethod(typeof(SecureHub), Method<SecureHub>(nameof(SecureHub.Plain)), options);
        Assert.Equal(EventTier.AuthOnly, plain.Tier);
        Assert.Single(plain.AuthorizeData);

        var both = HubMethodDescriptor.ForMethod(typeof(SecureHub), Method<SecureHub>(nameof(SecureHub.Admins)), options);
        Assert.Equal(["admins", null], both.AuthorizeData.Select(d => d.Policy));

        var open = HubMethodDescriptor.ForMethod(typeof(SecureHub), Method<SecureHub>(nameof(SecureHub.Open)), options);
        Assert.Empty(open.AuthorizeData);
        Assert.Equal(EventTier.None, open.Tier);
    }

    [Fact]
    public void Connects_take_the_hubs_tier_raised_by_its_authorize_data()
    {
        var asked = new List<EventTierContext>();
        var options = new TetherOptions { EventTierResolver = target => { asked.Add(target); return EventTier.None; } };

        Assert.Equal(EventTier.None, HubMethodDescriptor.ForLifetime(typeof(PlainHub), options).Tier);
        Assert.Equal(EventTier.AuthOnly, HubMethodDescriptor.ForLifetime(typeof(SecureHub), options).Tier);
        Assert.Equal(EventTier.Full, HubMethodDescriptor.ForLifetime(typeof(FullHub), options).Tier);
        Assert.All(asked, target => Assert.Null(target.Method));
        Assert.Null(HubMethodDescriptor.ForLifetime(typeof(PlainHub), options).Method);
    }

    [Fact]
    public void The_location_report_is_no_event_and_the_resolver_is_not_asked_about_it()
    {
        var asked = 0;
        var options = new TetherOptions { EventTierResolver = _ => { asked++; return EventTier.Full; } };

        var report = HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(AppHub.SetLocation)), options);
        Assert.True(report.IsLocationReport);
        Assert.False(HubMethodDescriptor.ForMethod(typeof(PlainHub), Method<PlainHub>(nameof(PlainHub.Plain)), options).IsLocationReport);
        Assert.True(HubMethodDescriptor.ForMethod(typeof(TypedHub), Method<TypedHub>(nameof(TypedHub.SetLocation)), options).IsLocationReport);
        Assert.Equal(1, asked);
    }

    [Fact]
    public void Each_descriptor_is_built_once_per_hub_and_method()
    {
        var asked = 0;
        var descriptors = new HubMethodDescriptors(new TetherOptions { EventTierResolver = _ => { Interlocked.Increment(ref asked); return null; } });
        var method = Method<PlainHub>(nameof(PlainHub.Plain));

        var first = descriptors.Of(typeof(PlainHub), method);
        Assert.Same(first, descriptors.Of(typeof(PlainHub), method));
        Assert.Same(descriptors.OfLifetime(typeof(PlainHub)), descriptors.OfLifetime(typeof(PlainHub)));
        Assert.NotSame(first, descriptors.Of(typeof(DerivedHub), method));
        Assert.Equal(typeof(DerivedHub), descriptors.Of(typeof(DerivedHub), method).Hub);
        Assert.Equal(3, asked);
    }

    private static MethodInfo Method<THub>(string name) => typeof(THub).GetMethod(name)!;

    public class PlainHub : AppHub
    {
        public void Plain()
        {
        }

        [EventTier(EventTier.AuthOnly)]
        public void Lean()
        {
        }

        [Authorize(Policy = "admins")]
        public void Secret()
        {
        }

        public Task UploadChannel(ChannelReader<int> items) => Task.CompletedTask;

        public Task UploadStream(IAsyncEnumerable<int> items) => Task.CompletedTask;
    }

    public sealed class DerivedHub : PlainHub;

    [EventTier(EventTier.Full)]
    public sealed class FullHub : AppHub
    {
        public void Plain()
        {
        }

        [EventTier(EventTier.None)]
        public void Hot()
        {
        }
    }

    [Authorize]
    public sealed class SecureHub : AppHub
    {
        public void Plain()
        {
        }

        [Authorize(Policy = "admins")]
        public void Admins()
        {
        }

        [AllowAnonymous]
        public void Open()
        {
        }
    }

    public sealed class TypedHub : AppHub<ITypedClient>;

    public interface ITypedClient;
}
