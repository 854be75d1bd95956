using Microsoft.AspNetCore.Components;

namespace Tether.Components;

/// <summary>
/// A component that shows an <see cref="AppState"/> and re-renders when its snapshot changes.
/// </summary>
/// <typeparam name="TState">The app state, registered with <c>services.AddAppState&lt;TState&gt;()</c>.</typeparam>
public abstract class AppStateComponent<TState> : ComponentBase, IDisposable
    where TState : AppState
{
    private bool _subscribed;

    /// <summary>The circuit's instance of the state.</summary>
    [Inject]
    protected TState State { get; set; } = default!;

    /// <inheritdoc />
    public override Task SetParametersAsync(ParameterView parameters)
    {
        // Subscribed here rather than in OnInitialized so that subclasses overriding it need not call the base.
        if (!_subscribed)
        {
            State.Changed += OnStateChanged;
            _subscribed = true;
        }

        return base.SetParametersAsync(parameters);
    }

    /// <summary>Unsubscribes from the state.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Unsubscribes from the state; override to release more.</summary>
    /// <param name="disposing"><see langword="true"/> when called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _subscribed)
        {
            State.Changed -= OnStateChanged;
            _subscribed = false;
        }
    }

    private void OnStateChanged() => _ = InvokeAsync(StateHasChanged);
}
