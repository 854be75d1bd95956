using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Tether.Handoff;

/// <summary>
/// The resync endpoint at <c>{CookieHandoffPath}/resync</c>: a same-origin POST of a circuit's resync id with the
/// binding cookie of the circuit's own handshake hands the circuit this request, and so the browser's current cookies
/// (see <see cref="CookieResync"/>). Answers 204, or a 4xx that changes nothing.
/// </summary>
/// <remarks>Concurrency: no mutable state of its own; the registry it looks circuits up in is thread-safe.</remarks>
internal sealed class CookieResyncEndpoint(SameOriginPost check, CookieResync registry)
{
    /// <summary>Where browsers resync: under the handoff path, or nowhere when the handoff is off.</summary>
    public PathString Path => registry.Path;

    public async Task InvokeAsync(HttpContext context)
    {
        // The resync has always answered a body that is not a form as a malformed id.
        if (await check.ReadIdAsync(context, "resync: ", StatusCodes.Status400BadRequest) is not { } id)
        {
            return;
        }

        var binding = BindingCookie.HashOf(context.Request);
        if (!registry.TryFind(id, out var registration)
            || binding is null
            || BindingCookie.Hash(registration.Target.BindingCookie()) is not { } expected
            || !CryptographicOperations.FixedTimeEquals(expected, binding))
        {
            await check.RefuseAsync(context, StatusCodes.Status400BadRequest, "resync: unknown id, or another browser's");
            return;
        }

        registration.Target.Resync(context);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
