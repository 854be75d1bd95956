using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.RenderTree;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.Logging;

// A renderer of its own is the point here: Blazor's real event dispatch with nothing else around it.
#pragma warning disable BL0006

namespace Tether.Benchmarks;

/// <summary>
/// Blazor's own <see cref="Renderer"/> with one counter button and no display: an event is Blazor's real dispatch of the
/// button's handler and the re-render that follows, without a browser on the other end.
/// </summary>
internal sealed class BenchRenderer(IServiceProvider services, ILoggerFactory loggerFactory) : Renderer(services, loggerFactory)
{
    private ulong _handlerId;
    private Counter _counter = null!;

    public override Dispatcher Dispatcher { get; } = Dispatcher.CreateDefault();

    public int Clicks => _counter.Count;

    public void Start()
    {
        _counter = new Counter();
        Dispatcher.InvokeAsync(() => RenderRootComponentAsync(AssignRootComponentId(_counter))).GetAwaiter().GetResult();
        if (_handlerId == 0)
        {
            throw new InvalidOperationException("The counter rendered no event handler.");
        }
    }

    public Task ClickAsync() => DispatchEventAsync(_handlerId, null, new MouseEventArgs());

    protected override void HandleException(Exception exception) => ExceptionDispatchInfo.Throw(exception);

    protected override Task UpdateDisplayAsync(in RenderBatch renderBatch)
    {
        for (var i = 0; i < renderBatch.ReferenceFrames.Count; i++)
        {
            ref var frame = ref renderBatch.ReferenceFrames.Array[i];
            if (frame.FrameType == RenderTreeFrameType.Attribute && frame.AttributeEventHandlerId != 0)
            {
                _handlerId = frame.AttributeEventHandlerId;
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Counter : ComponentBase
    {
        public int Count { get; private set; }

        protected override void BuildRenderTree(RenderTreeBuilder builder)
        {
            builder.OpenElement(0, "button");
            builder.AddAttribute(1, "onclick", EventCallback.Factory.Create<MouseEventArgs>(this, () => Count++));
            builder.AddContent(2, Count);
            builder.CloseElement();
        }
    }
}
