using System.Net;

namespace Microsoft.AspNetCore.SignalR.Client;

/// <summary>
/// Lets a .NET client of a Tether-bridged hub receive the cookies that its hub calls set (a new session, a sign-in or
/// sign-out, a renewed authentication ticket), as a browser would.
/// </summary>
public static class TetherCookieHandoffExtensions
{
    private const string CookiesMethodName = Tether.SignalR.WireNames.Cookies;

    /// <summary>
    /// Redeems, in the order they arrive, the cookies the hub hands over after a call that set some, into
    /// <paramref name="cookies"/>: use the container the connection sends (<c>HttpConnectionOptions.Cookies</c>), so
    /// the next connection and the client's HTTP requests carry them.
    /// </summary>
    /// <param name="connection">The hub connection.</param>
    /// <param name="appAddress">The app's address, such as <c>https://shop.example.com/</c>; redemptions go to its origin.</param>
    /// <param name="cookies">The client's cookie container, which must hold the binding cookie the handshake received.</param>
    /// <returns>Stops redeeming, and releases the HTTP client, when disposed.</returns>
    public static IDisposable UseTetherCookies(this HubConnection connection, Uri appAddress, CookieContainer cookies)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(appAddress);
        ArgumentNullException.ThrowIfNull(cookies);

        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, UseCookies = true });
        var origin = appAddress.GetLeftPart(UriPartial.Authority);
        var subscription = connection.On<string, string>(CookiesMethodName, async (url, id) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(appAddress, url))
            {
                Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("id", id)]),
            };
            request.Headers.Add("Origin", origin);
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        });
        return new Registration(subscription, client);
    }

    private sealed class Registration(IDisposable subscription, HttpClient client) : IDisposable
    {
        public void Dispose()
        {
            subscription.Dispose();
            client.Dispose();
        }
    }
}
