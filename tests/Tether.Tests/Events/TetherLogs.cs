namespace Tether.Tests.Events;

/// <summary>Reads what Tether logged from a <see cref="FakeLogCollector"/>: its own records, by event name and scope.</summary>
internal static class TetherLogs
{
    /// <summary>The records of Tether's own categories, in the order they were logged.</summary>
    public static IEnumerable<FakeLogRecord> Tethers(this FakeLogCollector logs)
        => logs.GetSnapshot().Where(r => r.Category?.StartsWith("Tether", StringComparison.Ordinal) == true);

    /// <summary>Tether's records of the event <paramref name="eventName"/>.</summary>
    public static IEnumerable<FakeLogRecord> Named(this FakeLogCollector logs, string eventName) => logs.Tethers().Where(r => r.Id.Name == eventName);

    /// <summary>The value of <paramref name="key"/> in the innermost scope of the record that has it.</summary>
    public static object? ScopeValue(this FakeLogRecord record, string key)
    {
        for (var i = record.Scopes.Count - 1; i >= 0; i--)
        {
            if (record.Scopes[i] is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (k, v) in pairs)
                {
                    if (k == key)
                    {
                        return v;
                    }
                }
            }
        }

        return null;
    }
}
