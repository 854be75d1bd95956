using System.Buffers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Tether.BrowserTests;

/// <summary>
/// The .NET calls a page awaits on its circuit, read off the circuit's WebSocket frames as the browser sends and receives
/// them: every UI event is a <c>BeginInvokeDotNetFromJS</c> with a call id, answered by a <c>JS.EndInvokeDotNet</c> with
/// the same id. Blazor's <c>blazorpack</c> protocol is SignalR's MessagePack hub protocol under another name.
/// </summary>
internal sealed class CircuitCalls : IInvocationBinder
{
    private static readonly Type[] s_beginInvoke = [typeof(string), typeof(string), typeof(string), typeof(long), typeof(string)];
    private static readonly Type[] s_endInvoke = [typeof(string), typeof(bool), typeof(string)];

    private readonly MessagePackHubProtocol _protocol = new();
    private readonly Lock _lock = new();
    private readonly HashSet<string> _pending = [];
    private readonly Dictionary<string, bool> _completed = [];

    private CircuitCalls(IPage page)
    {
        page.WebSocket += (_, socket) =>
        {
            if (!socket.Url.Contains("/_blazor", StringComparison.Ordinal))
            {
                return;
            }

            socket.FrameSent += (_, frame) => Read(frame, sent: true);
            socket.FrameReceived += (_, frame) => Read(frame, sent: false);
        };
    }

    /// <summary>Starts watching a page's circuit; call before the page opens it.</summary>
    public static CircuitCalls Track(IPage page) => new(page);

    /// <summary>The calls the page sent and has had no answer to.</summary>
    public IReadOnlyCollection<string> Pending
    {
        get
        {
            lock (_lock)
            {
                return [.. _pending];
            }
        }
    }

    /// <summary>How many calls were answered, and how many of those as failed.</summary>
    public (int Completed, int Failed) Answered
    {
        get
        {
            lock (_lock)
            {
                return (_completed.Count, _completed.Count(c => !c.Value));
            }
        }
    }

    public IReadOnlyList<Type> GetParameterTypes(string methodName) => methodName switch
    {
        "BeginInvokeDotNetFromJS" => s_beginInvoke,
        "JS.EndInvokeDotNet" => s_endInvoke,
        _ => throw new InvalidOperationException("Not a call this test follows."),
    };

    public Type GetReturnType(string invocationId) => typeof(object);

    public Type GetStreamItemType(string streamId) => typeof(object);

    private void Read(IWebSocketFrame frame, bool sent)
    {
        if (frame.Binary is not { Length: > 0 } bytes)
        {
            return;
        }

        var input = new ReadOnlySequence<byte>(bytes);
        while (_protocol.TryParseMessage(ref input, this, out var message))
        {
            if (message is not InvocationMessage { Arguments: [string callId, ..] } invocation)
            {
                continue;
            }

            lock (_lock)
            {
                if (sent && invocation.Target == "BeginInvokeDotNetFromJS")
                {
                    _pending.Add(callId);
                }
                else if (!sent && invocation.Target == "JS.EndInvokeDotNet" && _pending.Remove(callId))
                {
                    _completed[callId] = invocation.Arguments[1] is true;
                }
            }
        }
    }
}
