using Microsoft.AspNetCore.Components;

namespace Tether.Tests.SignalR;

/// <summary>A root component, so the test app maps Blazor's <c>/_blazor</c> hub.</summary>
public sealed class TestRoot : ComponentBase;
