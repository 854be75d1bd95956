using Microsoft.AspNetCore.Components;

namespace Tether.Benchmarks;

/// <summary>The root component the bench maps with <c>MapRazorComponents</c>.</summary>
public sealed class BenchRoot : ComponentBase;

/// <summary>A page whose events skip the bridge.</summary>
[Route("/hot")]
[EventTier(EventTier.None)]
public sealed class BenchHotPage : ComponentBase;

/// <summary>A page with no tier of its own: the default, full.</summary>
[Route("/cart")]
public sealed class BenchCartPage : ComponentBase;
