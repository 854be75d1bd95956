using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tether.Components;
using Tether.Events;

namespace Tether;

/// <summary>
/// Fails start-up on registrations that would otherwise fail silently: Tether's services without its event pipeline,
/// app states without the Blazor adapter that refreshes them, an <c>IHttpContextAccessor</c> that replaced Tether's, and
/// a running framework whose Blazor hub no longer has the methods Tether keys on.
/// </summary>
/// <remarks>
/// A hosted service, so it runs after the web host built the app's pipeline (the host's own hosted service is
/// registered first): by then <c>UseTether()</c> has run if the app calls it, whether from <c>Program.cs</c> or a
/// <c>Startup.Configure</c>.
/// </remarks>
internal sealed class TetherStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<EventPipeline>() is { IsBuilt: false })
        {
            throw new InvalidOperationException(
                "builder.Services.AddTether() was called, but app.UseTether() was not, so no socket event can run. " +
                "Call app.UseTether() after app.UseSession() and app.UseAuthentication().");
        }

        if (Accessors.HttpContextAccessorBinding.Problem(services) is { } accessor)
        {
            throw new InvalidOperationException(accessor);
        }

        var states = services.GetServices<AppStateRegistration>().ToList();
        if (states.Count > 0 && services.GetService<InteractiveServerRegistration>() is null)
        {
            throw new InvalidOperationException(
                $"services.AddAppState<{states[0].StateType.Name}>() was called, but Tether does not bridge Blazor circuits, so the " +
                "state would never see an event's user or session. Call builder.Services.AddTether().AddInteractiveServer().");
        }

        if (services.GetService<InteractiveServerRegistration>() is not null && ComponentHubContract.Problem() is { } framework)
        {
            throw new InvalidOperationException(framework);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
