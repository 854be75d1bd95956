using System.Net;
using System.Net.Sockets;

namespace Tether.LoadTest;

/// <summary>
/// A TCP proxy in front of Redis that counts the client's writes that reach it: commands a client pipelines (writes
/// together and then awaits) arrive as one write, so the count is the number of round trips the client started.
/// </summary>
internal sealed class RedisCountingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _redisPort;
    private readonly CancellationTokenSource _stop = new();
    private long _flights;
    private long _bytes;

    public RedisCountingProxy(int redisPort)
    {
        _redisPort = redisPort;
        _listener.Start();
        _ = AcceptAsync();
    }

    public string EndPoint => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Reads of the client → Redis direction (each a burst of one or more commands), and their bytes, since the last reset.</summary>
    public (long Flights, long Bytes) Counts => (Interlocked.Read(ref _flights), Interlocked.Read(ref _bytes));

    public void Reset()
    {
        Interlocked.Exchange(ref _flights, 0);
        Interlocked.Exchange(ref _bytes, 0);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
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
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var redis = new TcpClient())
        {
            try
            {
                client.NoDelay = true;
                redis.NoDelay = true;
                await redis.ConnectAsync(IPAddress.Loopback, _redisPort, _stop.Token);
                var up = PumpAsync(client.GetStream(), redis.GetStream(), count: true);
                var down = PumpAsync(redis.GetStream(), client.GetStream(), count: false);
                await Task.WhenAny(up, down);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
                // The proxy goes when the run ends.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool count)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (count)
                {
                    Interlocked.Increment(ref _flights);
                    Interlocked.Add(ref _bytes, read);
                }

                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Either side closed.
        }
    }
}
