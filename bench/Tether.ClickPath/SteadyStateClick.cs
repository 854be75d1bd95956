using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Tether.ClickPath;

/// <summary>
/// A signed-in customer presses Pay on the Shop's <c>/billing</c> CLICKS times (an environment variable), each time once
/// the previous event has finished. click-path.sh runs this under coverage with two click counts: the lines whose hit
/// count grows between the runs are what a steady-state click runs. Self-contained (the Shop on its embedded defaults,
/// Chromium), so the same file measures any commit.
/// </summary>
public sealed class SteadyStateClick : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"tether-clickpath-{Guid.NewGuid():N}.db");
    private WebApplicationFactory<Program>? _factory;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = string.Empty;

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ConnectionStrings:Shop", $"Data Source={_database}");
            builder.UseEnvironment("Development");
            builder.UseUrls("http://127.0.0.1:0");
        });
        _factory.UseKestrel();
        _factory.StartServer();
        _baseUrl = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
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

    [Fact]
    public async Task PayOnBilling()
    {
        var clicks = int.Parse(Environment.GetEnvironmentVariable("CLICKS") ?? "1", System.Globalization.CultureInfo.InvariantCulture);
        var page = await _browser!.NewPageAsync(new BrowserNewPageOptions { BaseURL = _baseUrl });
        await page.GotoAsync("/account/login?returnUrl=%2Fbilling");
        await page.FillAsync("#email", "customer@shop.test");
        await page.FillAsync("#password", "Customer#2026");
        await page.ClickAsync("#login");
        await Expect(page).ToHaveURLAsync(new Uri(new Uri(_baseUrl), "/billing").ToString());
        await Expect(page.Locator("[data-live]")).ToBeAttachedAsync();

        // The first Pay writes the session and may hand a cookie over; from the second on, only the event itself runs.
        await PayAsync(page);
        await Expect(page.Locator("#billing-status")).ToHaveTextAsync("pending");
        await PayAsync(page);
        for (var i = 0; i < clicks; i++)
        {
            await PayAsync(page);
        }

        await page.Context.CloseAsync();
    }

    private static async Task PayAsync(IPage page)
    {
        using var done = new EventCounter();
        await page.ClickAsync("#pay");
        await done.Finished.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Completes when Tether records a finished event (a <c>tether.event.duration</c> measurement).</summary>
    private sealed class EventCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public EventCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Tether" && instrument.Name == "tether.event.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((_, _, _, _) => _finished.TrySetResult());
            _listener.Start();
        }

        public Task Finished => _finished.Task;

        public void Dispose() => _listener.Dispose();
    }
}
