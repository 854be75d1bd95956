namespace Tether.Tests.Events;

/// <summary>
/// Awaits what another thread makes true (a server's background work, a message on its way), checking it every 20 ms
/// until a time-out: no fixed sleeps. The one wait of the core and browser tests.
/// </summary>
internal static class Waiting
{
    private static readonly TimeSpan s_defaultTimeout = TimeSpan.FromSeconds(15);

    public static Task WaitForAsync(Func<bool> condition, TimeSpan? timeout = null)
        => WaitForAsync(() => Task.FromResult(condition()), timeout);

    public static async Task WaitForAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? s_defaultTimeout);
        while (!await condition())
        {
            await Task.Delay(20, cancellation.Token);
        }
    }
}
