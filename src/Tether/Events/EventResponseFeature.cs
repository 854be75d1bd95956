using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Tether.Events;

/// <summary>
/// The response of a synthetic event request. It goes nowhere, but it behaves like a server's response that has not
/// started while the pipeline runs: <c>SessionMiddleware</c> and cookie authentication only set their cookies when
/// <see cref="HasStarted"/> is <see langword="false"/>, and they do it from <c>OnStarting</c> callbacks, which a plain
/// <see cref="DefaultHttpContext"/> drops silently. The callbacks are recorded and run after the pipeline, in the
/// order a server runs them (last registered first).
/// </summary>
internal sealed class EventResponseFeature : IHttpResponseFeature
{
    private (Func<object, Task>? Callback, object? State) _firstStarting;
    private List<(Func<object, Task> Callback, object State)>? _onStarting;
    private List<(Func<object, Task> Callback, object State)>? _onCompleted;

    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    public IHeaderDictionary Headers { get; set; } = new HeaderDictionary();

    public Stream Body { get; set; } = Stream.Null;

    public bool HasStarted { get; private set; }

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The event's response has already started.");
        }

        // Nearly every event has one (the cookie handler's, registered on each request): held inline, not in a list.
        if (_firstStarting.Callback is null)
        {
            _firstStarting = (callback, state);
            return;
        }

        (_onStarting ??= []).Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => (_onCompleted ??= []).Add((callback, state));

    public Task StartAsync()
    {
        HasStarted = true;
        if (_firstStarting.Callback is not { } first)
        {
            return Task.CompletedTask;
        }

        // The first registered runs last, as a server runs OnStarting callbacks (in reverse order of registration).
        return _onStarting is null ? first(_firstStarting.State!) : RunAllStartingAsync(first, _firstStarting.State!, _onStarting);
    }

    private static async Task RunAllStartingAsync(Func<object, Task> first, object state, List<(Func<object, Task> Callback, object State)> rest)
    {
        await RunAsync(rest);
        await first(state);
    }

    public Task CompleteAsync() => RunAsync(_onCompleted);

    private static async Task RunAsync(List<(Func<object, Task> Callback, object State)>? callbacks)
    {
        if (callbacks is null)
        {
            return;
        }

        for (var i = callbacks.Count - 1; i >= 0; i--)
        {
            var (callback, state) = callbacks[i];
            await callback(state);
        }
    }
}
