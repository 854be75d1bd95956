using Tether.Store;

namespace Tether.Tests.Store;

/// <summary>An event's up-front reads: served until the event writes the key, and never written into the reader's array.</summary>
public sealed class EventStoreReadsTests
{
    [Fact]
    public void A_key_the_event_wrote_is_read_from_the_store_again_and_the_readers_values_are_left_as_they_were()
    {
        byte[] session = [1], signIn = [2];
        var values = new byte[]?[] { session, signIn };
        var reads = EventStoreReads.Read(["session", "sign-in"], values);

        Assert.True(reads.TryGet("session", out var read));
        Assert.Same(session, read);
        reads.Forget("session");

        Assert.False(reads.TryGet("session", out _));
        Assert.False(reads.WasRead("session"));
        Assert.True(reads.TryGet("sign-in", out read));
        Assert.Same(signIn, read);
        Assert.Equal(new byte[]?[] { session, signIn }, values);
    }

    [Fact]
    public void A_failed_batch_fails_each_read_of_its_keys_and_none_of_any_other()
    {
        var reads = EventStoreReads.Failed(["session"], new TimeoutException("down"));
        Assert.Throws<TimeoutException>(() => reads.TryGet("session", out _));
        Assert.False(reads.TryGet("other", out _));
    }
}
