using Microsoft.Extensions.Options;

namespace Tether;

/// <summary>
/// Checks <see cref="TetherOptions"/> when they are first read, and at start-up (<c>ValidateOnStart</c>), so a bad
/// limit or origin stops the app with a message naming the option rather than misbehaving on the first event.
/// </summary>
internal sealed class TetherOptionsValidator : IValidateOptions<TetherOptions>
{
    public ValidateOptionsResult Validate(string? name, TetherOptions options)
    {
        List<string>? failures = null;

        if (options.MaxHeaderCount < 0)
        {
            Fail($"TetherOptions.MaxHeaderCount must be 0 or more, but is {options.MaxHeaderCount}.");
        }

        if (options.MaxHeadersTotalSize < 0)
        {
            Fail($"TetherOptions.MaxHeadersTotalSize must be 0 or more, but is {options.MaxHeadersTotalSize}.");
        }

        if (options.MaxCookiesTotalSize < 0)
        {
            Fail($"TetherOptions.MaxCookiesTotalSize must be 0 or more, but is {options.MaxCookiesTotalSize}.");
        }

        if (options.CookieHandoffPath.HasValue
            && (options.CookieHandoffLifetime <= TimeSpan.Zero || options.CookieHandoffLifetime > TimeSpan.FromSeconds(30)))
        {
            Fail($"TetherOptions.CookieHandoffLifetime must be more than zero and at most 30 seconds, but is {options.CookieHandoffLifetime}.");
        }

        if (options.MaxLocationLength < 1)
        {
            Fail($"TetherOptions.MaxLocationLength must be 1 or more, but is {options.MaxLocationLength}.");
        }

        if (options.UnprotectCacheDuration < TimeSpan.Zero)
        {
            Fail($"TetherOptions.UnprotectCacheDuration must be TimeSpan.Zero (off) or more, but is {options.UnprotectCacheDuration}.");
        }

        if (options.TimeProvider is null)
        {
            Fail("TetherOptions.TimeProvider must not be null; the default is TimeProvider.System.");
        }

        if (!Enum.IsDefined(options.DefaultEventTier))
        {
            Fail($"TetherOptions.DefaultEventTier must be Full, AuthOnly or None, but is {(int)options.DefaultEventTier}.");
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (!IsOrigin(origin))
            {
                Fail($"TetherOptions.AllowedOrigins contains '{origin}', which is not an origin: an http or https scheme, a host and an optional port, such as https://admin.example.com, with no path, query or user name.");
            }
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Fail(string failure) => (failures ??= []).Add(failure);
    }

    private static bool IsOrigin(string? origin)
        => Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            && uri.AbsolutePath == "/" && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
}
