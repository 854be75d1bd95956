namespace Tether.Tests.Events;

/// <summary>Runs events on a <see cref="CoreTestApp"/>'s bridge and reports whom they ran as.</summary>
internal static class EventRuns
{
    /// <summary>The signed-in user an event of <paramref name="connection"/> (a new one when none is given) runs as; null when anonymous.</summary>
    public static async Task<string?> UserAsync(this CoreTestApp app, EventRequest request, ConnectionState? connection = null)
    {
        string? name = null;
        await app.Bridge.RunAsync(request, connection ?? new ConnectionState(), _ =>
        {
            name = Current.User().Identity?.IsAuthenticated == true ? Current.User().Identity!.Name : null;
            return Task.CompletedTask;
        });
        return name;
    }

    /// <summary>The users one event of each request on a new connection runs as, in order, "-" for anonymous: "ann,-,ben".</summary>
    public static async Task<string> UsersAsync(this CoreTestApp app, params EventRequest[] requests)
    {
        var users = new List<string>();
        foreach (var request in requests)
        {
            users.Add(await app.UserAsync(request) ?? "-");
        }

        return string.Join(",", users);
    }
}
