namespace Microsoft.AspNetCore.SignalR.Client;

/// <summary>
/// Helpers for .NET clients of hubs bridged by Tether.
/// </summary>
public static class TetherHubConnectionExtensions
{
    private const string LocationQueryKey = Tether.SignalR.WireNames.LocationQueryKey;
    private const string LocationMethodName = Tether.SignalR.WireNames.Location;
    private const string SignedOutMethodName = Tether.SignalR.WireNames.SignedOut;

    /// <summary>
    /// Returns <paramref name="hubUrl"/> with the page location the connection's first calls run at
    /// (their <c>Request.Path</c> and <c>Request.Query</c>).
    /// </summary>
    /// <param name="hubUrl">The hub's URL.</param>
    /// <param name="location">A path and query on the app, such as <c>/orders?id=7</c>.</param>
    /// <returns>The URL to pass to <c>WithUrl</c>.</returns>
    public static Uri WithTetherLocation(this Uri hubUrl, string location)
    {
        ArgumentNullException.ThrowIfNull(hubUrl);
        ArgumentNullException.ThrowIfNull(location);
        var builder = new UriBuilder(hubUrl);
        var pair = LocationQueryKey + "=" + Uri.EscapeDataString(location);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? pair : builder.Query.TrimStart('?') + "&" + pair;
        return builder.Uri;
    }

    /// <summary>
    /// Tells the hub that the client moved to another page location; the hub's next calls run at it.
    /// The hub must derive from Tether's <c>AppHub</c>.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="location">A path and query on the app, such as <c>/orders?id=7</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the hub recorded the location.</returns>
    public static Task SetLocationAsync(this HubConnection connection, string location, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.InvokeAsync(LocationMethodName, location, cancellationToken);
    }

    /// <summary>
    /// Calls <paramref name="handler"/> when the hub tells this connection that its sign-in was revoked (a sign-out in
    /// another tab, an administrator's revocation). The hub then closes the connection, unless the app keeps it open as
    /// anonymous.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="handler">What the client does, for example show that it is signed out.</param>
    /// <returns>Disposing it removes the handler.</returns>
    public static IDisposable OnSignedOut(this HubConnection connection, Action handler)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(handler);
        return connection.On(SignedOutMethodName, handler);
    }
}
