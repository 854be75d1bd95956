using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;

namespace Tether.Components;

/// <summary>The <see cref="AppState"/> objects of one circuit (or one prerendering request), refreshed on every event.</summary>
internal sealed class AppStateTracker(NavigationManager navigation)
{
    private readonly List<AppState> _states = [];

    public void Track(AppState state)
    {
        state.Attach(navigation);
        lock (_states)
        {
            _states.Add(state);
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
        AppState[] states;
        lock (_states)
        {
            if (_states.Count == 0)
            {
                return;
            }

            states = [.. _states];
        }

        foreach (var state in states)
        {
            action(state);
        }
    }
}
