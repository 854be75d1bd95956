using System.Buffers;
using System.IO.Pipelines;
using System.Security.Claims;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Connections.Features;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tether.Events;
using Tether.SignalR;

namespace Tether.Benchmarks;

/// <summary>
/// One hub invocation through SignalR's real HubConnectionHandler over in-memory pipes (JSON protocol, no sockets):
/// a plain hub against the same method on a hub bridged by Tether, session and authentication included.
/// </summary>
[MemoryDiagnoser]
public class HubInvocationBenchmarks
{
    private static readonly byte[] s_invocation = Encoding.UTF8.GetBytes("{\"type\":1,\"invocationId\":\"1\",\"target\":\"Echo\",\"arguments\":[\"x\"]}\u001e");
    private WebApplication _app = null!;
    private InMemoryConnection _plain = null!;
    private InMemoryConnection _bridged = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDistributedMemoryCache();
        builder.Services.AddSession();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie();
        builder.Services.AddAuthorization();
        builder.Services.AddSignalR().AddTether<BenchBridgedHub>();
        _app = builder.Build();
        _app.UseTether();

        // Real cookies: sign in and establish a session through one event, then hand them to the "browser".
        var cookies = SignInAsync().GetAwaiter().GetResult();
        _plain = InMemoryConnection.StartAsync<BenchPlainHub>(_app.Services, cookies).GetAwaiter().GetResult();
        _bridged = InMemoryConnection.StartAsync<BenchBridgedHub>(_app.Services, cookies).GetAwaiter().GetResult();
        if (!_bridged.InvokeAsync(s_invocation).GetAwaiter().GetResult().Contains("bench@shop.test:shoe", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The bridged hub did not see the user and session.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _bridged.Dispose();
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public Task<string> PlainHub() => _plain.InvokeAsync(s_invocation);

    [Benchmark]
    public Task<string> BridgedHub() => _bridged.InvokeAsync(s_invocation);

    /// <summary>
    /// What Tether keeps per open hub connection: <paramref name="count"/> connections to each hub, each after one call,
    /// the heap measured after a full collection; the bridged hub's bytes per connection minus the plain hub's.
    /// </summary>
    public static async Task<(double Plain, double Bridged)> RetainedPerConnectionAsync(int count)
    {
        var bench = new HubInvocationBenchmarks();
        bench.Setup();
        try
        {
            // A first round of each warms what is allocated once (JIT, caches, pools); the second is measured.
            await OpenAsync<BenchPlainHub>(bench, count / 4);
            await OpenAsync<BenchBridgedHub>(bench, count / 4);
            var plain = await OpenAsync<BenchPlainHub>(bench, count);
            var bridged = await OpenAsync<BenchBridgedHub>(bench, count);
            return (plain, bridged);
        }
        finally
        {
            bench.Cleanup();
        }

        static async Task<double> OpenAsync<THub>(HubInvocationBenchmarks bench, int count)
            where THub : Hub
        {
            var cookies = await bench.SignInAsync();
            var before = Retained.HeapBytes();
            var connections = new List<InMemoryConnection>(count);
            for (var i = 0; i < count; i++)
            {
                var connection = await InMemoryConnection.StartAsync<THub>(bench._app.Services, cookies);
                await connection.InvokeAsync(s_invocation);
                connections.Add(connection);
            }

            var bytes = (Retained.HeapBytes() - before) / (double)count;
            foreach (var connection in connections)
            {
                connection.Dispose();
            }

            return bytes;
        }
    }

    private async Task<string> SignInAsync()
    {
        var handshake = new DefaultHttpContext();
        handshake.Request.Host = new HostString("shop.example");
        var connection = new ConnectionState();
        var request = EventRequest.FromHttpContext(handshake, "/");
        var bridge = _app.Services.GetRequiredService<EventBridge>();
        await bridge.RunAsync(request, connection, async context =>
        {
            await Microsoft.AspNetCore.Authentication.AuthenticationHttpContextExtensions.SignInAsync(context, new ClaimsPrincipal(
                new ClaimsIdentity([new Claim(ClaimTypes.Name, "bench@shop.test")], CookieAuthenticationDefaults.AuthenticationScheme)));
            context.Session.SetString("cart", "shoe");
        });
        string header = string.Empty;
        await bridge.RunAsync(request, connection, context =>
        {
            header = context.Request.Headers.Cookie.ToString();
            return Task.CompletedTask;
        });
        return header;
    }

    private sealed class InMemoryConnection : IDisposable
    {
        private readonly PipeReader _fromServer;
        private readonly PipeWriter _toServer;
        private readonly DefaultConnectionContext _connection;
        private readonly Task _running;

        private InMemoryConnection(DefaultConnectionContext connection, Pipe input, Pipe output, Task running)
        {
            _connection = connection;
            _toServer = input.Writer;
            _fromServer = output.Reader;
            _running = running;
        }

        public static async Task<InMemoryConnection> StartAsync<THub>(IServiceProvider services, string cookieHeader)
            where THub : Hub
        {
            var input = new Pipe();
            var output = new Pipe();
            var connection = new DefaultConnectionContext(Guid.NewGuid().ToString("N"), new DuplexPipe(input.Reader, output.Writer), new DuplexPipe(output.Reader, input.Writer));
            var http = new DefaultHttpContext { RequestServices = services };
            http.Request.Scheme = "https";
            http.Request.Host = new HostString("shop.example");
            http.Request.Path = "/hubs/bench";
            http.Request.Headers.Cookie = cookieHeader;
            http.Request.Headers.UserAgent = "Mozilla/5.0 Chrome/156.0";
            connection.Features.Set<IHttpContextFeature>(new HttpContextFeature(http));
            connection.Features.Set<IConnectionUserFeature>(new UserFeature());

            var handler = services.GetRequiredService<HubConnectionHandler<THub>>();
            var running = handler.OnConnectedAsync(connection);
            var client = new InMemoryConnection(connection, input, output, running);
            await client._toServer.WriteAsync(Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e"));
            await client.ReadMessageAsync();
            return client;
        }

        public async Task<string> InvokeAsync(byte[] invocation)
        {
            await _toServer.WriteAsync(invocation);
            return await ReadMessageAsync();
        }

        public void Dispose()
        {
            _toServer.Complete();
            _connection.Abort();
            _running.GetAwaiter().GetResult();
        }

        private async Task<string> ReadMessageAsync()
        {
            while (true)
            {
                var result = await _fromServer.ReadAsync();
                var buffer = result.Buffer;
                if (buffer.PositionOf((byte)0x1e) is { } end)
                {
                    var message = Encoding.UTF8.GetString(buffer.Slice(0, end));
                    _fromServer.AdvanceTo(buffer.GetPosition(1, end));
                    return message;
                }

                _fromServer.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }

    private sealed class HttpContextFeature(HttpContext context) : IHttpContextFeature
    {
        public HttpContext? HttpContext { get; set; } = context;
    }

    private sealed class UserFeature : IConnectionUserFeature
    {
        public ClaimsPrincipal? User { get; set; } = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "bench@shop.test")], "Cookies"));
    }
}

/// <summary>The plain hub: the user SignalR captured at connect time.</summary>
public sealed class BenchPlainHub : Hub
{
    public string Echo(string value) => value + ":" + Context.User?.Identity?.Name;
}

/// <summary>The same method bridged: session and authentication run for the call.</summary>
public sealed class BenchBridgedHub : AppHub
{
    public string Echo(string value) => value + ":" + User.Identity?.Name + ":" + Session.GetString("cart");
}
