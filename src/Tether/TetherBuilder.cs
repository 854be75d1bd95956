using Microsoft.Extensions.DependencyInjection;

namespace Tether;

/// <summary>The <see cref="ITetherBuilder"/> of <c>AddTether()</c>.</summary>
/// <param name="services">The app's services.</param>
internal sealed class TetherBuilder(IServiceCollection services) : ITetherBuilder
{
    /// <summary>The app's services.</summary>
    public IServiceCollection Services { get; } = services;
}
