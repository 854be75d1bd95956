namespace Tether.Components;

/// <summary>Marks that <c>AddInteractiveServer()</c> was called, for <see cref="TetherStartupCheck"/>.</summary>
internal sealed class InteractiveServerRegistration;

/// <summary>Marks an <c>AddAppState&lt;TState&gt;()</c> call, for <see cref="TetherStartupCheck"/>.</summary>
internal abstract class AppStateRegistration
{
    public abstract Type StateType { get; }
}

/// <inheritdoc />
internal sealed class AppStateRegistration<TState> : AppStateRegistration
    where TState : AppState
{
    public override Type StateType => typeof(TState);
}
