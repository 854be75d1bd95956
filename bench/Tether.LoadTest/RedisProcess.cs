using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Tether.LoadTest;

/// <summary>
/// A <c>redis-server</c> of the load test's own, on a free port of 127.0.0.1, with persistence off; never a system service.
/// </summary>
internal sealed class RedisProcess : IDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private readonly string[] _extra;
    private Process? _process;

    private RedisProcess(int port, string[] extra)
    {
        Port = port;
        _extra = extra;
    }

    public int Port { get; }

    public string EndPoint => "127.0.0.1:" + Port;

    /// <summary>The Redis CPU time so far, of the running process.</summary>
    public TimeSpan Cpu
    {
        get
        {
            _process!.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <param name="extra">More <c>redis-server</c> arguments (the fault run turns an append-only file on, in a temp folder).</param>
    public static async Task<RedisProcess> StartAsync(params string[] extra)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var redis = new RedisProcess(port, extra);
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>Starts the server (again) on the same port, and returns once it answers PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Executable, ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", .. _extra])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!await PingAsync())
        {
            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(20))
            {
                throw new InvalidOperationException("redis-server did not answer PING on port " + Port);
            }

            await Task.Delay(5);
        }
    }

    /// <summary>SIGKILL: the process ends at once, as on a crash.</summary>
    public void Kill()
    {
        _process!.Kill();
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    /// <summary>One PING on a fresh socket, so no client library's reconnect policy is involved.</summary>
    public async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            Kill();
        }

        _process?.Dispose();
    }
}
