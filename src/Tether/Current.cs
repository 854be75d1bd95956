using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Tether.Events;

namespace Tether;

/// <summary>
/// The request context of the socket event running now. Every member returns a "nothing" value outside an event
/// instead of throwing; use <see cref="Ambient.Request"/> where an event is required.
/// </summary>
public static class Current
{
    private static readonly ClaimsPrincipal s_anonymous = new(new ClaimsIdentity());

    /// <summary>The synthetic <see cref="HttpContext"/> of the current event, or <see langword="null"/> outside one.</summary>
    /// <returns>The event's context.</returns>
    public static HttpContext? HttpContext() => AmbientContext.HttpContext;

    /// <summary>The request of the current event, or <see langword="null"/> outside one.</summary>
    /// <returns>The event's request.</returns>
    public static HttpRequest? Request() => AmbientContext.HttpContext?.Request;

    /// <summary>
    /// The user of the current event, authenticated afresh for this event; an anonymous principal outside one. Never <see langword="null"/>.
    /// </summary>
    /// <returns>The event's user.</returns>
    public static ClaimsPrincipal User() => AmbientContext.HttpContext?.User ?? s_anonymous;

    /// <summary>
    /// The session of the current event, already loaded, or <see langword="null"/> outside an event or when the event
    /// pipeline does not run the session middleware.
    /// </summary>
    /// <returns>The event's session.</returns>
    public static ISession? Session() => AmbientContext.HttpContext?.Features.Get<ISessionFeature>()?.Session;
}
