using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Tether.Tests.Events;
using Tether.Tests.SignalR;

namespace Tether.BrowserTests;

/// <summary>
/// The Shop demo on real Kestrel at 127.0.0.1 with a fresh SQLite file, and Debian's Chromium driven by Playwright.
/// </summary>
public sealed class ShopFixture : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"tether-shop-{Guid.NewGuid():N}.db");
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;

    public string BaseUrl { get; private set; } = string.Empty;

    public IBrowser Browser { get; private set; } = null!;

    public IServiceProvider Services => _factory!.Services;

    public FakeLogCollector Logs { get; } = new();

    /// <summary>
    /// The clock of the Shop's authentication cookie, whose tickets last 10 minutes with sliding renewal here. It stands
    /// still unless a test moves it.
    /// </summary>
    public ManualClock AuthClock { get; } = new(DateTimeOffset.UtcNow);

    /// <summary>The Shop's session store, which tests can take down.</summary>
    public RecordingCache Cache { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Shop", $"Data Source={_database}");
            builder.UseEnvironment("Development");

            // A free port on loopback: UseKestrel(0) alone let the host fall back to its default, port 5000, which
            // another process may hold.
            builder.UseUrls("http://127.0.0.1:0");
            builder.ConfigureServices(services => services.AddSingleton<IDistributedCache>(sp => Cache = new RecordingCache(
                new MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new MemoryDistributedCacheOptions())))));
            // The recording wrapper hides the memory cache from Tether: its sessions' compare-and-set is named, as an app
            // that wraps its memory cache names it.
            builder.ConfigureServices(services => services.AddSingleton<Tether.IDistributedCacheCompareAndSet>(
                sp => new Tether.InProcessCompareAndSet(sp.GetRequiredService<IDistributedCache>())));
            builder.ConfigureServices(services => services.PostConfigure<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme, options =>
            {
                options.TimeProvider = AuthClock;
                options.ExpireTimeSpan = TimeSpan.FromMinutes(10);
                options.SlidingExpiration = true;
            }));
            builder.ConfigureLogging(logging =>
            {
                // Tether's own messages, down to debug, and nothing else.
                logging.AddProvider(new FakeLoggerProvider(Logs));
                logging.AddFilter<FakeLoggerProvider>(null, LogLevel.None);
                logging.AddFilter<FakeLoggerProvider>("Tether", LogLevel.Debug);
            });
        });
        _factory.UseKestrel();
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseUrl = addresses.First().Replace("localhost", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "127.0.0.1", StringComparison.Ordinal);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task<IPage> NewPageAsync(IBrowserContext? context = null)
    {
        context ??= await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    public Task<IBrowserContext> NewContextAsync() => Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = BaseUrl });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        foreach (var file in new[] { _database, _database + "-shm", _database + "-wal" })
        {
            File.Delete(file);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ShopCollection : ICollectionFixture<ShopFixture>
{
    public const string Name = "Shop";
}
