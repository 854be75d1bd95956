using System.Threading.RateLimiting;

namespace Tether.Tests.Events;

/// <summary>
/// The ASP.NET Core rate limiter as the endpoint and rate-limit tests configure it: partitioned by the event's user, with
/// fixed windows of an hour, so no permit comes back while a test runs and a limit is reached by counting, never by timing.
/// </summary>
internal static class TestRateLimits
{
    /// <summary>Two events per user an hour, for a page, hub or method marked <c>[EnableRateLimiting(TwoPerHour)]</c>.</summary>
    public const string TwoPerHour = "two-per-hour";

    /// <summary>Three events per user an hour.</summary>
    public const string ThreePerHour = "three-per-hour";

    /// <summary>Users whose names start with this get one event an hour from the global limiter; everyone else none.</summary>
    public const string GloballyLimitedPrefix = "global-";

    public static IServiceCollection AddTestRateLimits(this IServiceCollection services) => services.AddRateLimiter(options =>
    {
        // The status a user relies on telling apart (ASP.NET Core's default is 503).
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.AddPolicy(TwoPerHour, context => RateLimitPartition.GetFixedWindowLimiter(UserOf(context), _ => Hourly(2)));
        options.AddPolicy(ThreePerHour, context => RateLimitPartition.GetFixedWindowLimiter(UserOf(context), _ => Hourly(3)));
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => UserOf(context) is var user
            && user.StartsWith(GloballyLimitedPrefix, StringComparison.Ordinal)
                ? RateLimitPartition.GetFixedWindowLimiter(user, _ => Hourly(1))
                : RateLimitPartition.GetNoLimiter(user));
    });

    private static string UserOf(HttpContext context) => context.User.Identity?.Name ?? "anonymous";

    private static FixedWindowRateLimiterOptions Hourly(int permits) => new() { PermitLimit = permits, Window = TimeSpan.FromHours(1), QueueLimit = 0 };
}
