using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Tether.Tests.Redis;

/// <summary>
/// A real <c>redis-server</c> of the test's own, on a free port of 127.0.0.1, with persistence off: started by the test,
/// stopped (and, for fault tests, started again on the same port) by the test. No system service, no fixed port.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("tether-redis-");
    private Process? _process;
    private ConnectionMultiplexer? _admin;

    private Socket? _placeholder;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        // Another test process may take the free port between our look and redis-server's bind: then the PING below is
        // answered by a server that is not ours, which the process id check catches, and a new port is tried.
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort());
            try
            {
                await server.StartAgainAsync();
                return server;
            }
            catch (PortTakenException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Starts the server (again) on its port, and returns once it answers, as itself (its process id).</summary>
    public async Task StartAgainAsync()
    {
        // Let go of the port this server held while it was stopped, and take it back at once.
        _placeholder?.Dispose();
        _placeholder = null;
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.FullName,
        };
        foreach (var argument in (string[])["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", "--loglevel", "warning",
            "--dir", _directory.FullName])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start. Is it installed? ./test.sh installs it.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        // Await the condition (it answers PING), polling the port; give up after 10 s with the reason.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                var stream = client.GetStream();
                await stream.WriteAsync("INFO server\r\n"u8.ToArray());
                var reply = new System.Text.StringBuilder();
                var buffer = new byte[4096];
                var id = System.Text.RegularExpressions.Match.Empty;
                do
                {
                    var read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        break;
                    }

                    reply.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, read));
                    id = System.Text.RegularExpressions.Regex.Match(reply.ToString(), @"process_id:(\d+)\r\n");
                }
                while (!id.Success);

                if (id.Success && int.Parse(id.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) == _process.Id)
                {
                    return;
                }

                if (id.Success)
                {
                    throw new PortTakenException($"Port {Port} is answered by another redis-server (process {id.Groups[1].Value}), not by this test's ({_process.Id}).");
                }
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING (exited: {_process.HasExited}).");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Kills the server, as a crash or a network cut would end it, and waits until it is gone. Its port stays bound (by a
    /// socket that never listens, so a client is refused as by a dead server), so that no other test's server, in this
    /// process or another, takes it before <see cref="StartAgainAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
            _placeholder = HoldPort(Port);
        }
    }

    // Fails only when something else bound the port in the instant between the kill and this call: then the restart's
    // process id check says so.
    private static Socket? HoldPort(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return socket;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return null;
        }
    }

    /// <summary>
    /// Stops the server process where it stands (SIGSTOP): its connections stay open but nothing is answered, and it keeps
    /// everything in memory for <see cref="Resume"/>.
    /// </summary>
    public void Pause() => Signal(19);

    /// <summary>Lets a paused server run again (SIGCONT).</summary>
    public void Resume()
    {
        if (_process is { HasExited: false })
        {
            Signal(18);
        }
    }

    /// <summary>How many times each command ran since the last <see cref="ResetStatsAsync"/> (INFO commandstats).</summary>
    public async Task<Dictionary<string, long>> CommandStatsAsync()
    {
        var server = (await AdminAsync()).GetServer(Configuration);
        var info = await server.InfoAsync("commandstats");
        var stats = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in info.SelectMany(group => group))
        {
            // cmdstat_hmget: calls=3,usec=...
            var name = pair.Key.Replace("cmdstat_", string.Empty, StringComparison.Ordinal);
            var calls = pair.Value.Split(',')[0].Split('=')[1];
            stats[name] = long.Parse(calls, System.Globalization.CultureInfo.InvariantCulture);
        }

        return stats;
    }

    /// <summary>Empties the server (FLUSHALL) while it keeps running: what a Redis that restarted empty holds, with no reconnect.</summary>
    public async Task FlushAllAsync() => await (await AdminAsync()).GetServer(Configuration).FlushAllDatabasesAsync();

    /// <summary>Deletes <paramref name="key"/>.</summary>
    public async Task DeleteAsync(string key) => await (await AdminAsync()).GetDatabase().KeyDeleteAsync(key);

    /// <summary>The items of the list <paramref name="key"/>.</summary>
    public async Task<string[]> ListAsync(string key)
        => [.. (await (await AdminAsync()).GetDatabase().ListRangeAsync(key)).Select(value => value.ToString())];

    public async Task ResetStatsAsync() => await (await AdminAsync()).GetServer(Configuration).ConfigResetStatisticsAsync();

    public async ValueTask DisposeAsync()
    {
        _admin?.Dispose();
        await StopAsync();
        _placeholder?.Dispose();
        _process?.Dispose();
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<ConnectionMultiplexer> AdminAsync()
        => _admin ??= await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { Configuration },
            AllowAdmin = true,
            AbortOnConnectFail = false,
            SetClientLibrary = false,
        });

    private void Signal(int signal)
    {
        if (_process is null || Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Could not send signal {signal} to redis-server.");
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One <see cref="RedisServer"/> shared by the tests of the "Redis" collection, each under a prefix of its own.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition("Redis")]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>;

/// <summary>The port of a <see cref="RedisServer"/> is answered by a server that is not its own.</summary>
public sealed class PortTakenException(string message) : InvalidOperationException(message);
