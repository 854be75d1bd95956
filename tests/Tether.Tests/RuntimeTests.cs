namespace Tether.Tests;

/// <summary>
/// test-net11.sh runs these assemblies, built for net10.0, rolled forward onto .NET 11; this proves where they ran.
/// </summary>
public sealed class RuntimeTests
{
    [Fact]
    public void The_tests_run_on_the_runtime_and_the_ASP_NET_Core_the_run_asks_for()
    {
        var major = int.Parse(Environment.GetEnvironmentVariable("TETHER_EXPECT_RUNTIME_MAJOR") ?? "10", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(major, Environment.Version.Major);
        Assert.Equal(major, typeof(Microsoft.AspNetCore.Http.HttpContext).Assembly.GetName().Version!.Major);
        Assert.Equal(major, typeof(Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler).Assembly.GetName().Version!.Major);
    }
}
