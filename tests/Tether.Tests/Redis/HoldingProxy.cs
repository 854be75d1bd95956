using System.Net;
using System.Net.Sockets;

namespace Tether.Tests.Redis;

/// <summary>
/// A TCP proxy in front of Redis that can hold up what Redis sends to the near cache's link (found by the name its
/// HELLO gives), or to every other connection, while what the clients send passes.
/// </summary>
internal sealed class HoldingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _redisPort;
    private readonly int _linkPort;
    private readonly CancellationTokenSource _stop = new();
    private volatile TaskCompletionSource _open = OpenGate();
    private volatile bool _holding;
    private volatile bool _holdingLink;

    /// <param name="redisPort">Where every connection goes.</param>
    /// <param name="linkPort">Where the near cache's link goes instead, when given: another server than the multiplexer's.</param>
    public HoldingProxy(int redisPort, int? linkPort = null)
    {
        _redisPort = redisPort;
        _linkPort = linkPort ?? redisPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Holds up what Redis sends to the near cache's link.</summary>
    public void HoldNearCacheLink() => Hold(link: true);

    /// <summary>Holds up what Redis sends to every connection but the near cache's link (the multiplexer's replies).</summary>
    public void HoldAllButNearCacheLink() => Hold(link: false);

    private void Hold(bool link)
    {
        _open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _holdingLink = link;
        _holding = true;
    }

    public void Release()
    {
        _holding = false;
        _open.TrySetResult();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Release();
    }

    private static TaskCompletionSource OpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                // The client speaks first (HELLO, or StackExchange.Redis's handshake): its first bytes say whether it is the link.
                var buffer = new byte[16 * 1024];
                var read = await client.GetStream().ReadAsync(buffer, _stop.Token);
                var isLink = System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains("tether-near-cache", StringComparison.Ordinal);
                await server.ConnectAsync(IPAddress.Loopback, isLink ? _linkPort : _redisPort);
                await server.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                await Task.WhenAny(
                    CopyAsync(client.GetStream(), server.GetStream(), null),
                    CopyAsync(server.GetStream(), client.GetStream(), isLink));
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    // Copies one direction. From Redis (toLink: whether the client is the near cache's link) it holds up what the last
    // Hold... call named; from the client (toLink null) it never holds.
    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool? toLink)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                if (toLink is { } link && _holding && link == _holdingLink)
                {
                    await _open.Task.WaitAsync(_stop.Token);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }
}
