using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Tether.Handoff;

/// <summary>
/// The redemption endpoint at <see cref="TetherOptions.CookieHandoffPath"/>: a same-origin POST of <c>id=...</c> with
/// the binding cookie of the connection that produced the id. Answers 204 with the event's <c>Set-Cookie</c> headers,
/// or a 4xx that sets nothing.
/// </summary>
/// <remarks>
/// <para>
/// Whoever redeems, the <c>Set-Cookie</c> headers go to the browser's cookie store only: they are a forbidden response
/// header for scripts, so the auth cookie never becomes readable.
/// </para>
/// <para>Concurrency: no mutable state (the fields are set once, in the constructor); safe for concurrent requests.</para>
/// </remarks>
internal sealed class CookieRedemptionEndpoint(
    SameOriginPost check,
    CookieHandoffStore store,
    IServiceProvider services,
    IOptions<TetherOptions> options,
    ILogger<CookieHandoff> logger)
{
    private readonly Diagnostics.TetherMetrics? _metrics = services.GetService<Diagnostics.TetherMetrics>();

    /// <summary>Where browsers redeem: the handoff path, or nowhere when the handoff is off.</summary>
    public PathString Path { get; } = options.Value.CookieHandoffPath;

    public async Task InvokeAsync(HttpContext context)
    {
        if (await check.ReadIdAsync(context, endpoint: string.Empty, StatusCodes.Status415UnsupportedMediaType) is not { } id)
        {
            return;
        }

        if (BindingCookie.HashOf(context.Request) is not { } binding)
        {
            await check.RefuseAsync(context, StatusCodes.Status400BadRequest, "no binding cookie");
            return;
        }

        if (!store.Enabled)
        {
            await check.RefuseAsync(context, StatusCodes.Status404NotFound, "the handoff is off");
            return;
        }

        var (outcome, setCookies) = await store.TakeAsync(id, binding, context.RequestAborted);
        if (outcome is not CookieHandoffStore.Outcome.Taken)
        {
            await check.RefuseAsync(
                context,
                StatusCodes.Status400BadRequest,
                outcome is CookieHandoffStore.Outcome.OtherBinding ? "the id belongs to another connection" : "unknown, used or expired id");
            return;
        }

        context.Response.Headers.Append(HeaderNames.SetCookie, new StringValues(setCookies));
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        CookieHandoffLog.Redeemed(logger, setCookies.Length);
        _metrics?.CookieHandoffRedeemed();
    }
}
