using Microsoft.AspNetCore.SignalR;
using Tether.SignalR;

namespace Tether.LoadTest;

/// <summary>A hub SignalR runs as it is: the user is the one of the handshake.</summary>
public sealed class PlainHub : Hub
{
    public string Echo(string value) => value + ":" + Context.User?.Identity?.Name;
}

/// <summary>The same method on a hub bridged by Tether: session and authentication run on every call.</summary>
public sealed class BridgedHub : AppHub
{
    public string Echo(string value) => value + ":" + User.Identity?.Name + ":" + Session.GetString("cart");

    /// <summary>An event that writes the session (the Redis runs count its store commands and read its writes back).</summary>
    public string Write(string key, string value)
    {
        Session.SetString(key, value);
        return "ok";
    }

    /// <summary>Every value of the session whose key starts with <paramref name="prefix"/>.</summary>
    public Dictionary<string, string?> ReadAll(string prefix)
        => Session.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(k => k, Session.GetString);
}
