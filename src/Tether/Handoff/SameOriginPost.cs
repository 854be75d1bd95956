using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tether.Events;
using Tether.Handshake;

namespace Tether.Handoff;

/// <summary>
/// The one request check of the handoff's two endpoints (redemption and resync), as aspnetcore's
/// <c>CircuitDisconnectMiddleware</c> checks its own: a same-origin form POST whose body is <c>id=</c> one 256-bit
/// base64url id, at most 512 bytes. A refusal is logged with its reason and sets nothing.
/// </summary>
/// <remarks>
/// <para>
/// A page of another site that tricks the victim's browser into posting fails the <c>Origin</c> check; the binding
/// cookie (SameSite=Strict) would not be sent either.
/// </para>
/// <para>Concurrency: no mutable state (the fields are set once, in the constructor); safe for concurrent requests.</para>
/// </remarks>
internal sealed class SameOriginPost(IOptions<TetherOptions> options, ILogger<CookieHandoff> logger)
{
    private const int IdBytes = 32;
    private const int IdLength = 43;
    private const int MaxBodyLength = 512;

    private readonly TetherOptions _options = options.Value;

    /// <summary>
    /// Checks the request and reads its id, or refuses it (405, 403, then <paramref name="notAFormStatus"/> or 400) and
    /// returns <see langword="null"/>.
    /// </summary>
    /// <param name="context">The request, answered <c>no-store</c> whatever the outcome.</param>
    /// <param name="endpoint">The prefix of the logged reasons: empty for the redemption, <c>"resync: "</c>.</param>
    /// <param name="notAFormStatus">
    /// The answer to a body that is not a form: the redemption says 415; the resync has always said 400, as for a
    /// malformed id.
    /// </param>
    public async Task<string?> ReadIdAsync(HttpContext context, string endpoint, int notAFormStatus)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.CacheControl = "no-store";

        if (!HttpMethods.IsPost(request.Method))
        {
            response.Headers.Allow = HttpMethods.Post;
            await RefuseAsync(context, StatusCodes.Status405MethodNotAllowed, endpoint + "not a POST");
            return null;
        }

        if (!IsSameOrigin(request))
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, endpoint + "foreign or missing Origin");
            return null;
        }

        if (!request.HasFormContentType)
        {
            await RefuseAsync(
                context,
                notAFormStatus,
                endpoint + (notAFormStatus == StatusCodes.Status415UnsupportedMediaType ? "not a form post" : "malformed id"));
            return null;
        }

        if (await ReadFormIdAsync(request, context.RequestAborted) is not { } id)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, endpoint + "malformed id");
            return null;
        }

        return id;
    }

    /// <summary>Answers <paramref name="statusCode"/>, setting nothing, and logs <paramref name="reason"/>.</summary>
    public Task RefuseAsync(HttpContext context, int statusCode, string reason)
    {
        CookieHandoffLog.Refused(logger, reason);
        context.Response.StatusCode = statusCode;
        return Task.CompletedTask;
    }

    private bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin;
        if (origin.Count == 0)
        {
            // Browsers send Origin on every POST; only non-browser clients omit it, and they still need the binding cookie.
            return _options.AllowRequestsWithoutOrigin;
        }

        return origin.Count == 1
            && Uri.TryCreate(origin[0], UriKind.Absolute, out var uri)
            && uri.AbsolutePath == "/"
            && SameOrigin.Matches(uri, request.Scheme, request.Host);
    }

    private static async Task<string?> ReadFormIdAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is > MaxBodyLength)
        {
            return null;
        }

        var buffer = new char[MaxBodyLength + 1];
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }

        if (length > MaxBodyLength)
        {
            return null;
        }

        var form = QueryHelpers.ParseQuery(new string(buffer, 0, length));
        return form.TryGetValue("id", out var values) && values.Count == 1 && values[0] is { Length: IdLength } id
            && Base64Url.IsValid(id, out var decoded) && decoded == IdBytes
            ? id
            : null;
    }
}
