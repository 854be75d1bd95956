namespace Tether.LoadTest;

/// <summary>What one timed run produced.</summary>
internal sealed record Measurement(string Name, int Connections, long Calls, TimeSpan Elapsed, TimeSpan ServerCpu, double[] LatenciesMs)
{
    public double CallsPerSecond => Calls / Elapsed.TotalSeconds;

    public double P50 => Percentile(0.50);

    public double P99 => Percentile(0.99);

    public double CpuMicrosecondsPerCall => ServerCpu.TotalMicroseconds / Calls;

    private double Percentile(double p)
    {
        if (LatenciesMs.Length == 0)
        {
            return double.NaN;
        }

        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}
