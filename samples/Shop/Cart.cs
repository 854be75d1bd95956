using System.Text.Json;
using Tether;

namespace Shop;

/// <summary>The cart lives in the session, so HTTP pages and interactive events share it.</summary>
public static class Cart
{
    private const string Key = "cart";

    public static IReadOnlyList<string> Read(ISession session)
        => session.GetString(Key) is { } json ? Parse(json) : [];

    /// <summary>
    /// Adds <paramref name="item"/> atomically: when two tabs or hub connections add at the same moment, Tether runs the
    /// update again on the cart the other one saved, so no add is lost.
    /// </summary>
    public static Task AddAsync(ISession session, string item)
        => session.UpdateStringAsync(Key, json => JsonSerializer.Serialize(new List<string>(json is null ? [] : Parse(json)) { item }));

    private static List<string> Parse(string json) => JsonSerializer.Deserialize<List<string>>(json) ?? [];
}
