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
    private readonly CancellationTokenSource _stop = new();
    private volatile TaskCompletionSource _open = OpenGate();
    private volatile bool _holding;
    private volatile bool _holdingLink;

    public HoldingProxy(int redisPort)
    {
        _redisPort = redisPort;
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
                await server.ConnectAsync(IPAddress.Loopback, _redisPort);
                var link = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                await Task.WhenAny(
                    CopyAsync(client.GetStream(), server.GetStream(), first => link.TrySetResult(first.Contains("tether-near-cache", StringComparison.Ordinal)), null),
                    CopyAsync(server.GetStream(), client.GetStream(), null, link.Task));
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, Action<string>? first, Task<bool>? isLink)
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

                if (first is not null)
                {
                    first(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
                    first = null;
                }

                if (isLink is { IsCompleted: true } && _holding && await isLink == _holdingLink)
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
