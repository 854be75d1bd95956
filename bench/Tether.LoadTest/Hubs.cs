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
}
