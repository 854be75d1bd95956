using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Session;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tether.Authentication;
using Tether.Events;
using Tether.Sessions;
using Tether.Store;

namespace Tether;

/// <summary>
/// The composition root of the event pipeline: the one place that knows which feature puts which part into it. The
/// core (Events/) runs the parts and depends on no feature; each feature depends on the core.
/// </summary>
internal static class EventPipelineComposition
{
    public static EventPipelineParts Compose(IServiceProvider services, TetherOptions options)
    {
        var parts = new EventPipelineParts();
        if (options.UseSession)
        {
            parts.SessionProtection = EventDataProtectionProvider.For(
                services.GetRequiredService<IDataProtectionProvider>(), options, services.GetRequiredService<Microsoft.AspNetCore.Http.IHttpContextAccessor>());
        }

        // Store/: with a cache that reads in batches (Redis), the event's session and sign-in records are read in one
        // round trip before the session and authentication middleware ask for them one by one.
        if ((options.UseSession || options.UseAuthentication) && services.GetService<IDistributedCacheBatchReader>() is { } reader)
        {
            var prefetch = new EventStorePrefetch(services, reader, parts.SessionProtection, options.UseAuthentication);
            parts.BeforeSession.Add(next => context => prefetch.InvokeAsync(context, next));
        }

        // Store/: with the default store, the event's sessions read through EventStoreCache, which serves what the prefetch
        // read; a custom ISessionStore is the app's, untouched. Sessions/: the merging store commits straight to the
        // cache's compare-and-set (one round trip), as it does for HTTP requests.
        if (options.UseSession && services.GetService<EventStoreCache>() is { } cache)
        {
            switch (services.GetService<ISessionStore>())
            {
                case MergingSessionStore merging:
                    parts.SessionStore = merging.ReadingFrom(cache);
                    break;
                case DistributedSessionStore:
                    parts.SessionStore = new DistributedSessionStore(cache, services.GetRequiredService<ILoggerFactory>());
                    break;
            }
        }

        // Authentication/: a session belongs to the sign-in that wrote it.
        if (options.UseSession && services.GetService<SessionRotation>() is { } rotation)
        {
            parts.SessionLoaded.Add(rotation.EnsureOwnerAsync);
        }

        return parts;
    }
}
