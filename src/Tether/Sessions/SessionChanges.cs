namespace Tether.Sessions;

/// <summary>
/// What one request or event did to its session, key by key, kept so that it can be laid again over a value another
/// writer committed in the meantime: the keys it set or removed, the updates it ran (each run again, in order, on the
/// key's current value), and whether it cleared the session first. Used by one request or event at a time, as
/// <c>ISession</c> is.
/// </summary>
internal sealed class SessionChanges
{
    // The first key changed is held inline (most events that write change one key); the dictionary is made by a second.
    // A key is inline or in the dictionary, never both.
    private string? _firstKey;
    private Change _first;
    private Dictionary<string, Change>? _keys;

    /// <summary>Whether the session was cleared: the merge starts from an empty session instead of the store's.</summary>
    public bool Cleared { get; private set; }

    public bool Any => Cleared || _firstKey is not null || _keys?.Count > 0;

    public void Set(string key, byte[]? value) => Put(key, new Change(true, value, null));

    public void Update(string key, Func<byte[]?, byte[]?> update)
    {
        var change = TryGet(key, out var known) ? known : new Change(false, null, null);
        var updates = change.Updates ?? [];
        updates.Add(update);
        Put(key, change with { Updates = updates });
    }

    public void Clear()
    {
        Cleared = true;
        Forget();
    }

    public void Reset()
    {
        Cleared = false;
        Forget();
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

        if (_firstKey is not null)
        {
            Apply(current, _firstKey, _first);
        }

        if (_keys is not null)
        {
            foreach (var (key, change) in _keys)
            {
                Apply(current, key, change);
            }
        }
    }

    private static void Apply(Dictionary<string, byte[]> current, string key, Change change)
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

    private bool TryGet(string key, out Change change)
    {
        if (_firstKey is not null && string.Equals(_firstKey, key, StringComparison.Ordinal))
        {
            change = _first;
            return true;
        }

        change = default;
        return _keys is not null && _keys.TryGetValue(key, out change);
    }

    private void Put(string key, Change change)
    {
        if (_firstKey is null || string.Equals(_firstKey, key, StringComparison.Ordinal))
        {
            _firstKey = key;
            _first = change;
            return;
        }

        (_keys ??= new(StringComparer.Ordinal))[key] = change;
    }

    private void Forget()
    {
        _firstKey = null;
        _first = default;
        _keys?.Clear();
    }

    // Assigned: the key was set (Value) or removed (null) before its Updates, if any, ran.
    private readonly record struct Change(bool Assigned, byte[]? Value, List<Func<byte[]?, byte[]?>>? Updates);
}
