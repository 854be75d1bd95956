using Microsoft.Extensions.Options;

namespace Tether.Authentication;

/// <summary>
/// Checks <see cref="RevocableSignInOptions"/> when they are first read, and at start-up (<c>ValidateOnStart</c>), so a
/// bad key prefix or claim type stops the app with a message naming the option, rather than sign-ins that cannot be
/// revoked. Stateless.
/// </summary>
internal sealed class RevocableSignInOptionsValidator : IValidateOptions<RevocableSignInOptions>
{
    public ValidateOptionsResult Validate(string? name, RevocableSignInOptions options)
    {
        List<string>? failures = null;

        // An empty prefix would put sign-in records among the app's own keys in a shared cache.
        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            Fail("RevocableSignInOptions.KeyPrefix must not be empty; the default is \"tether:signin:\".");
        }

        if (string.IsNullOrWhiteSpace(options.UserIdClaimType))
        {
            Fail("RevocableSignInOptions.UserIdClaimType must not be empty; the default is ClaimTypes.NameIdentifier.");
        }

        if (options.Scheme is { } scheme && string.IsNullOrWhiteSpace(scheme))
        {
            Fail("RevocableSignInOptions.Scheme must be a cookie authentication scheme's name, or null for the app's default authenticate scheme.");
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Fail(string failure) => (failures ??= []).Add(failure);
    }
}
