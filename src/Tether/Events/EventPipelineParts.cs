using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Session;

namespace Tether.Events;

/// <summary>
/// The features' parts of the event pipeline, put together by <c>UseTether</c> (the composition root, which knows every
/// feature). The core runs them at fixed places and knows nothing of what they do, as YARP's proxy pipeline runs each
/// per-request feature as a middleware. Built once, read-only after <see cref="EventPipeline.Build"/>.
/// </summary>
internal sealed class EventPipelineParts
{
    /// <summary>
    /// The data protection the event's <c>SessionMiddleware</c> unprotects its cookie with (see
    /// <see cref="EventDataProtectionProvider.For"/>), shared with a feature that reads the same cookie first, so both hit
    /// one cache entry.
    /// </summary>
    public IDataProtectionProvider? SessionProtection { get; set; }

    /// <summary>Middleware that runs before the session and authentication middleware (the store's batch read).</summary>
    public List<Func<RequestDelegate, RequestDelegate>> BeforeSession { get; } = [];

    /// <summary>The store the event's <c>SessionMiddleware</c> uses, when a feature serves it; the app's otherwise.</summary>
    public ISessionStore? SessionStore { get; set; }

    /// <summary>
    /// Runs after the event's session was loaded and before the handler; it may give the event another session (the
    /// sign-in owner check), which it sets on the event's <c>ISessionFeature</c>.
    /// </summary>
    public List<Func<HttpContext, EventSession, Task>> SessionLoaded { get; } = [];
}
