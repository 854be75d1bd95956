namespace Tether.Tests.Diagnostics;

/// <summary>
/// Tests that listen to Tether's <c>ActivitySource</c>: listeners are process-wide, so these run apart from the others,
/// which then neither see their spans nor pay for them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DiagnosticsCollection
{
    public const string Name = "Diagnostics";
}
