using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.Accessors;

/// <summary>
/// Registers <see cref="EventHttpContextAccessor"/> as the app's <see cref="IHttpContextAccessor"/>, over whatever was
/// registered before <c>AddTether()</c> (the framework's <c>HttpContextAccessor</c> when nothing was). Later
/// <c>AddHttpContextAccessor()</c> calls (Identity's, the app's) are <c>TryAdd</c>s and keep it; a plain registration
/// after it replaces it, which <see cref="TetherStartupCheck"/> reports at start-up.
/// </summary>
internal static class HttpContextAccessorBinding
{
    public static void Add(IServiceCollection services)
    {
        if (services.Any(static d => d.ServiceType == typeof(EventHttpContextAccessor)))
        {
            return;
        }

        var existing = services.LastOrDefault(static d => d.ServiceType == typeof(IHttpContextAccessor) && !d.IsKeyedService);
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IHttpContextAccessor) && !services[i].IsKeyedService)
            {
                services.RemoveAt(i);
            }
        }

        services.AddSingleton(sp => new EventHttpContextAccessor(Inner(sp, existing)));
        services.AddSingleton<IHttpContextAccessor>(static sp => sp.GetRequiredService<EventHttpContextAccessor>());
    }

    private static IHttpContextAccessor Inner(IServiceProvider services, ServiceDescriptor? existing) => existing switch
    {
        null => new HttpContextAccessor(),
        { ImplementationInstance: IHttpContextAccessor instance } => instance,
        { ImplementationFactory: { } factory } => (IHttpContextAccessor)factory(services),
        { ImplementationType: { } type } => (IHttpContextAccessor)ActivatorUtilities.CreateInstance(services, type),
        _ => new HttpContextAccessor(),
    };

    /// <summary>The start-up error when the app's accessor is not Tether's, or <see langword="null"/>.</summary>
    public static string? Problem(IServiceProvider services)
        => services.GetService<IHttpContextAccessor>() is { } accessor and not EventHttpContextAccessor
            ? $"An IHttpContextAccessor ({accessor.GetType().FullName}) was registered after builder.Services.AddTether(), replacing Tether's, " +
              "so inside socket events it returns the socket's request instead of the event's (SignInManager then fails). " +
              "Register it before AddTether(), or with TryAddSingleton, and Tether decorates it."
            : null;
}
