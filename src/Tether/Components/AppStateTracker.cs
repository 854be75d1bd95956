using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Tether.Components;

/// <summary>The <see cref="AppState"/> objects of one circuit (or one prerendering request), refreshed on every event.</summary>
/// <remarks>Concurrency: any thread. States are added under the tracker's own lock to an array copied on write, which
/// events read without one.</remarks>
internal sealed class AppStateTracker(NavigationManager navigation)
{
    private readonly Lock _lock = new();

    // Written once per state, read on every event: copy on write, so events neither lock nor copy.
    private AppState[] _states = [];

    public void Track(AppState state)
    {
        state.Attach(navigation);
        lock (_lock)
        {
            _states = [.. _states, state];
        }

        // Prerendering runs inside an HTTP request: show its user at once rather than an empty snapshot.
        if (Current.HttpContext() is { } context)
        {
            state.Refresh(context, deniedStatusCode: null);
        }
    }

    public void Refresh(HttpContext context) => ForEach(state => state.Refresh(context, deniedStatusCode: null));

    public void Deny(int statusCode) => ForEach(state => state.Deny(statusCode));

    private void ForEach(Action<AppState> action)
    {
        foreach (var state in Volatile.Read(ref _states))
        {
            action(state);
        }
    }
}
