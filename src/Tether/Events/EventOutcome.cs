using System.Security.Claims;

namespace Tether;

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

    /// <summary>The revocable sign-in the event's user came from, if any.</summary>
    internal string? SignInId { get; init; }
}
