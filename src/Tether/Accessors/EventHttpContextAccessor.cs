using Microsoft.AspNetCore.Http;
using Tether.Events;

namespace Tether.Accessors;

/// <summary>
/// The app's <see cref="IHttpContextAccessor"/>, decorated: inside a socket event it returns the event's context; in the
/// rest of a socket's flow (a task an event left running, an event of tier <see cref="EventTier.None"/>, a timer) it
/// returns <see langword="null"/>, never the long-lived request that carries the socket; on plain HTTP requests it is the
/// app's accessor, unchanged. So <c>SignInManager</c>, <c>IUrlHelper</c>, tenant resolvers and token acquisition, which
/// find their context through this accessor, run on the event's context (dotnet/aspnetcore#13601, #27772).
/// </summary>
/// <remarks>
/// <para>
/// It never writes the framework's holder from an event: <c>HttpContextAccessor</c>'s setter empties the holder every
/// flow of the socket's request shares before it installs a new one. The hosting layer keeps setting it per request,
/// through this decorator's setter, as before.
/// </para>
/// <para>Concurrency: stateless besides its inner accessor; any thread may read it.</para>
/// </remarks>
internal sealed class EventHttpContextAccessor(IHttpContextAccessor inner) : IHttpContextAccessor
{
    /// <summary>The accessor this one decorates (the framework's <c>HttpContextAccessor</c>, unless the app registered its own).</summary>
    public IHttpContextAccessor Inner => inner;

    public HttpContext? HttpContext
    {
        get
        {
            // The event's context, or the HTTP request's that UseTether bound: the same object the inner accessor holds.
            if (AmbientContext.HttpContext is { } bound)
            {
                return bound;
            }

            var context = inner.HttpContext;
            return context is null || SocketRequest.Carries(context) ? null : context;
        }

        set => inner.HttpContext = value;
    }
}
