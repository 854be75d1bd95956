using Microsoft.AspNetCore.Authentication;

namespace Tether.Authentication;

/// <summary>
/// Reads the id Tether gives each revocable sign-in.
/// </summary>
public static class SignInIdExtensions
{
    internal const string SignInIdKey = ".tether.sid";
    internal const string GenerationKey = ".tether.gen";

    /// <summary>
    /// The id of the sign-in these authentication properties belong to, or <see langword="null"/> when the ticket was not
    /// issued by a revocable scheme. Read it from <c>(await HttpContext.AuthenticateAsync()).Properties</c>.
    /// </summary>
    /// <param name="properties">The ticket's properties.</param>
    /// <returns>The sign-in id.</returns>
    public static string? GetSignInId(this AuthenticationProperties properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return properties.Items.TryGetValue(SignInIdKey, out var id) ? id : null;
    }
}
