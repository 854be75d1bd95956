using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.BrowserTests;

/// <summary>How the browser tests start the Shop and Chromium: one way, for one node or two.</summary>
internal static class ShopNode
{
    /// <summary>A new SQLite file for the Shop in the temp folder; <see cref="DeleteDatabase"/> removes it.</summary>
    public static string NewDatabase() => Path.Combine(Path.GetTempPath(), $"tether-shop-{Guid.NewGuid():N}.db");

    /// <summary>The database file and its SQLite journals.</summary>
    public static void DeleteDatabase(string database)
    {
        foreach (var file in new[] { database, database + "-shm", database + "-wal" })
        {
            File.Delete(file);
        }
    }

    /// <summary>
    /// The Shop on real Kestrel at a free port of 127.0.0.1, on <paramref name="database"/>, started;
    /// <paramref name="configure"/> adds the test's own settings and services.
    /// </summary>
    public static (WebApplicationFactory<Program> Factory, string BaseUrl) Start(string database, Action<IWebHostBuilder>? configure = null)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Shop", $"Data Source={database}");
            builder.UseEnvironment("Development");

            // A free port on loopback: UseKestrel(0) alone let the host fall back to its default, port 5000, which
            // another process may hold.
            builder.UseUrls("http://127.0.0.1:0");
            configure?.Invoke(builder);
        });
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (factory, address.Replace("localhost", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>Debian's Chromium, headless.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
}
