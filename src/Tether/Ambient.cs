namespace Tether;

/// <summary>
/// The static request proxy. Import it with <c>using static Tether.Ambient;</c> and write
/// <c>Request.Query["q"]</c>, <c>Request.User</c> or <c>Request.Session</c> in any code that runs inside an event.
/// </summary>
public static class Ambient
{
    /// <summary>
    /// The request of the socket event running now. Reading any of its members outside an event throws an
    /// <see cref="InvalidOperationException"/>.
    /// </summary>
    public static AmbientRequest Request { get; } = new();
}
