using Tether.Components;

namespace Shop.State;

/// <summary>
/// The Shop's plain <see cref="AppState"/>: the user snapshot, <see cref="AppState.DeniedStatusCode"/> (a click the rate
/// limiter refused, an action the user may not take) and <see cref="AppState.AuthorizeAsync"/> for the pages that need no
/// state of their own.
/// </summary>
public sealed class ShopState : AppState;
