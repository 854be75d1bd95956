using Tether.Sessions;

namespace Tether.Tests.Sessions;

/// <summary>What an event changed, laid over another writer's session: every key it set, removed or updated, not just one.</summary>
public sealed class SessionChangesTests
{
    [Fact]
    public void Every_key_an_event_set_removed_or_updated_is_laid_over_the_other_writers_session_and_only_those()
    {
        var changes = new SessionChanges();
        changes.Set("first", [1]);
        changes.Set("second", [2]);
        changes.Update("counter", value => [(byte)((value?[0] ?? 0) + 1)]);
        changes.Set("removed", null);
        changes.Set("first", [11]);
        changes.Update("counter", value => [(byte)(value![0] * 10)]);

        var current = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["counter"] = [4],
            ["removed"] = [9],
            ["theirs"] = [7],
        };
        changes.ApplyTo(current);

        Assert.True(changes.Any);
        Assert.Equal(
            ["counter:50", "first:11", "second:2", "theirs:7"],
            current.Select(p => $"{p.Key}:{string.Join('.', p.Value)}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void After_a_reset_nothing_is_laid_over_and_after_a_clear_only_what_came_after_it()
    {
        var changes = new SessionChanges();
        changes.Set("a", [1]);
        changes.Set("b", [2]);
        changes.Reset();
        Assert.False(changes.Any);
        var untouched = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["theirs"] = [7] };
        changes.ApplyTo(untouched);
        Assert.Equal(["theirs"], untouched.Keys);

        changes.Set("a", [1]);
        changes.Clear();
        changes.Set("c", [3]);
        var cleared = new Dictionary<string, byte[]>(StringComparer.Ordinal) { ["theirs"] = [7] };
        changes.ApplyTo(cleared);
        Assert.Equal(["c"], cleared.Keys);
    }
}
