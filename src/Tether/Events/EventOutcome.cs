using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace Tether.Events;

/// <summary>
/// What became of one socket event in the event pipeline.
/// </summary>
/// <param name="HandlerRan">
/// <see langword="true"/> when the pipeline reached its end and the event's handler ran to completion.
/// </param>
/// <param name="StatusCode">The status code the pipeline set; 200 when the handler ran.</param>
/// <param name="Location">The <c>Location</c> a middleware redirected to, if any.</param>
internal readonly record struct EventOutcome(bool HandlerRan, int StatusCode, string? Location)
{
    /// <summary>The middleware redirected (a 3xx status with a <c>Location</c>).</summary>
    public bool IsRedirect => !HandlerRan && StatusCode is >= 300 and < 400 && Location is not null;

    /// <summary>The user the event ran as (anonymous when authentication failed or was not run).</summary>
    internal ClaimsPrincipal? User { get; init; }

    /// <summary>
    /// The properties of the event's authentication ticket, if it had one: a feature reads its own items there (the
    /// revocable sign-in's id).
    /// </summary>
    internal AuthenticationProperties? Authentication { get; init; }
}
