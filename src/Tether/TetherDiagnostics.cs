namespace Tether;

/// <summary>
/// The names under which Tether reports its metrics and traces, for <c>dotnet-counters</c> or an OpenTelemetry setup
/// (<c>.AddMeter(TetherDiagnostics.MeterName)</c>, <c>.AddSource(TetherDiagnostics.ActivitySourceName)</c>).
/// </summary>
/// <remarks>
/// The instruments and their tags are listed in docs/diagnostics.md. Nothing is measured or traced until something listens.
/// </remarks>
public static class TetherDiagnostics
{
    /// <summary>The name of Tether's <see cref="System.Diagnostics.Metrics.Meter"/>: <c>Tether</c>.</summary>
    public const string MeterName = "Tether";

    /// <summary>The name of Tether's <see cref="System.Diagnostics.ActivitySource"/>: <c>Tether</c>.</summary>
    public const string ActivitySourceName = "Tether";
}
