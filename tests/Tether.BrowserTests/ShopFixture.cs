using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting;
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
    private readonly string _database = ShopNode.NewDatabase();
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
        (_factory, BaseUrl) = ShopNode.Start(_database, builder =>
        {
            // The deals button's rate limit, in a window that cannot refill while the tests run: reached by counting clicks.
            builder.UseSetting("RateLimits:Clicks:Window", "01:00:00");
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

        _playwright = await Playwright.CreateAsync();
        Browser = await ShopNode.LaunchChromiumAsync(_playwright);
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

        ShopNode.DeleteDatabase(_database);
    }
}

[CollectionDefinition(Name)]
public sealed class ShopCollection : ICollectionFixture<ShopFixture>
{
    public const string Name = "Shop";
}
