namespace Tether.Sessions;

/// <summary>
/// What one request or event did to its session, key by key, kept so that it can be laid again over a value another
/// writer committed in the meantime: the keys it set or removed, the updates it ran (each run again, in order, on the
/// key's current value), and whether it cleared the session first. Used by one request or event at a time, as
/// <c>ISession</c> is.
/// </summary>
internal sealed class SessionChanges
{
    // Made by the first change: most events that load the session change nothing.
    private Dictionary<string, Change>? _keys;

    /// <summary>Whether the session was cleared: the merge starts from an empty session instead of the store's.</summary>
    public bool Cleared { get; private set; }

    public bool Any => Cleared || _keys?.Count > 0;

    private Dictionary<string, Change> Keys => _keys ??= new(StringComparer.Ordinal);

    public void Set(string key, byte[]? value) => Keys[key] = new Change(true, value, null);

    public void Update(string key, Func<byte[]?, byte[]?> update)
    {
        var change = Keys.TryGetValue(key, out var known) ? known : new Change(false, null, null);
        var updates = change.Updates ?? [];
        updates.Add(update);
        Keys[key] = change with { Updates = updates };
    }

    public void Clear()
    {
        Cleared = true;
        _keys?.Clear();
    }

    public void Reset()
    {
        Cleared = false;
        _keys?.Clear();
    }

    /// <summary>
    /// Lays these changes over <paramref name="current"/> (the store's entries, owned by the caller and changed in
    /// place): the keys set or removed take their value, and each updated key's updates run on its value.
    /// </summary>
    public void ApplyTo(Dictionary<string, byte[]> current)
    {
        if (Cleared)
        {
            current.Clear();
        }

        if (_keys is null)
        {
            return;
        }

        foreach (var (key, change) in _keys)
        {
            var value = change.Assigned ? change.Value : current.GetValueOrDefault(key);
            if (change.Updates is { } updates)
            {
                foreach (var update in updates)
                {
                    value = update(value);
                }
            }

            if (value is null)
            {
                current.Remove(key);
            }
            else
            {
                current[key] = value;
            }
        }
    }

    // Assigned: the key was set (Value) or removed (null) before its Updates, if any, ran.
    private readonly record struct Change(bool Assigned, byte[]? Value, List<Func<byte[]?, byte[]?>>? Updates);
}
