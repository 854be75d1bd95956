using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Tether.Events;

namespace Tether;

/// <summary>
/// Reads the request of whichever socket event is running on the calling async flow. One instance serves every event;
/// it holds no state of its own. Get it from <see cref="Ambient.Request"/>.
/// </summary>
public sealed class AmbientRequest
{
    internal AmbientRequest()
    {
    }

    /// <summary>The event's synthetic <see cref="Microsoft.AspNetCore.Http.HttpContext"/>.</summary>
    public HttpContext HttpContext => AmbientContext.HttpContext ?? throw NotInEvent();

    /// <summary>The query string of the page the user is on, parsed.</summary>
    public IQueryCollection Query => HttpContext.Request.Query;

    /// <summary>The request headers of the connection's handshake.</summary>
    public IHeaderDictionary Headers => HttpContext.Request.Headers;

    /// <summary>The browser's cookies, plus those the event pipeline set on this connection.</summary>
    public IRequestCookieCollection Cookies => HttpContext.Request.Cookies;

    /// <summary>The path of the page the user is on.</summary>
    public PathString Path => HttpContext.Request.Path;

    /// <summary>The app's path base.</summary>
    public PathString PathBase => HttpContext.Request.PathBase;

    /// <summary>The raw query string of the page the user is on.</summary>
    public QueryString QueryString => HttpContext.Request.QueryString;

    /// <summary>The scheme of the connection.</summary>
    public string Scheme => HttpContext.Request.Scheme;

    /// <summary>The host the browser connected to.</summary>
    public HostString Host => HttpContext.Request.Host;

    /// <summary>The client's IP address.</summary>
    public IPAddress? RemoteIpAddress => HttpContext.Connection.RemoteIpAddress;

    /// <summary>The user, authenticated afresh for this event.</summary>
    public ClaimsPrincipal User => HttpContext.User;

    /// <summary>The session, loaded for this event. Throws if the event pipeline does not run the session middleware.</summary>
    public ISession Session => HttpContext.Session;

    internal static InvalidOperationException NotInEvent() => new(
        "There is no socket event running. Tether's Request, User and Session are available only while Tether runs an event: " +
        "a Blazor Interactive Server event handler or a bridged SignalR hub method. In HTTP middleware, controllers and pages use " +
        "HttpContext; to test for an event, use Current.Request(), which returns null outside one.");
}
