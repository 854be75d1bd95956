using Microsoft.Extensions.DependencyInjection;

namespace Tether;

/// <summary>
/// Returned by <c>AddTether()</c>; Tether's adapters and features add themselves through extension methods on it, as
/// <c>AddInteractiveServer()</c> and <c>AddRevocableSignIn()</c> do.
/// </summary>
public interface ITetherBuilder
{
    /// <summary>The app's services.</summary>
    IServiceCollection Services { get; }
}
