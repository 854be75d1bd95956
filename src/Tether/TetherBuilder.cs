using Microsoft.Extensions.DependencyInjection;

namespace Tether;

/// <summary>
/// Returned by <c>AddTether()</c>; Tether's adapters add themselves through extension methods on it.
/// </summary>
/// <param name="services">The app's services.</param>
public sealed class TetherBuilder(IServiceCollection services)
{
    /// <summary>The app's services.</summary>
    public IServiceCollection Services { get; } = services;
}
