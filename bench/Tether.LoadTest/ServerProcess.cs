using System.Diagnostics;

namespace Tether.LoadTest;

/// <summary>A server started as a child process, so its CPU time is measured apart from the load generator's.</summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public TimeSpan Cpu
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// The CPU time its threads ran, in nanoseconds, from each thread's <c>/proc/…/schedstat</c>: exact, where
    /// <see cref="Cpu"/> counts in 10 ms clock ticks (too coarse for a batch of Blazor clicks). Threads that ended are not
    /// counted, so read it around work during which the thread pool keeps its threads.
    /// </summary>
    public TimeSpan ThreadCpu
    {
        get
        {
            long nanoseconds = 0;
            foreach (var task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
            {
                try
                {
                    var fields = File.ReadAllText(Path.Combine(task, "schedstat")).Split(' ');
                    nanoseconds += long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (IOException)
                {
                    // The thread ended meanwhile.
                }
            }

            return TimeSpan.FromTicks(nanoseconds / 100);
        }
    }

    /// <summary>What the server wrote after it listened (its log, in the Redis modes), drained so it never blocks.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Output { get; } = new();

    /// <param name="mode">The server mode; see <see cref="Server"/> and <see cref="RedisServer"/>.</param>
    /// <param name="arguments">More arguments for the mode (the Redis modes take the Redis end point).</param>
    public static Task<ServerProcess> StartAsync(string mode, params string[] arguments) => StartAsync(mode, null, arguments);

    /// <param name="mode">The server mode; see <see cref="Server"/> and <see cref="RedisServer"/>.</param>
    /// <param name="environment">Environment variables of the server process, on top of this one's.</param>
    /// <param name="arguments">More arguments for the mode (the Redis modes take the Redis end point).</param>
    public static async Task<ServerProcess> StartAsync(string mode, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!, ["serve", mode, .. arguments])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("The server did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                var server = new ServerProcess(process, new Uri(line["LISTENING ".Length..]));
                _ = Task.Run(async () =>
                {
                    while (await process.StandardOutput.ReadLineAsync() is { } more)
                    {
                        server.Output.Enqueue(more);
                    }
                });
                return server;
            }
        }

        throw new InvalidOperationException("The server exited before it listened.");
    }

    public void Dispose()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(10_000))
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
