namespace Tether.Tests.Events;

/// <summary>An app's own event middleware (what <c>app.UseTether(events => ...)</c> adds), as the tests drive it.</summary>
internal static class AppEventMiddleware
{
    /// <summary>The <see cref="HttpContext.Items"/> key that <see cref="Marker"/> sets.</summary>
    public const string MarkerKey = "event-middleware";

    /// <summary>
    /// A guard the tests drive through the page location: an anonymous event at <paramref name="membersOnly"/> is sent to
    /// <c>/login?returnUrl=</c> that page, any event at <c>/forbidden</c> is denied with 403, the rest run.
    /// </summary>
    public static Action<IApplicationBuilder> Guard(string membersOnly) => events => events.Use(async (context, next) =>
    {
        if (context.Request.Path == membersOnly && context.User.Identity?.IsAuthenticated != true)
        {
            context.Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(membersOnly));
            return;
        }

        if (context.Request.Path == "/forbidden")
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        await next(context);
    });

    /// <summary>Marks every event it runs in (<see cref="MarkerKey"/>), so a test sees whether the app's event middleware ran.</summary>
    public static void Marker(IApplicationBuilder events) => events.Use((context, next) =>
    {
        context.Items[MarkerKey] = true;
        return next(context);
    });
}
