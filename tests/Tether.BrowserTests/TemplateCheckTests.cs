using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Tether.BrowserTests;

/// <summary>
/// "The template check": the official Blazor Identity template (<c>dotnet new blazor -int Server -au Individual</c>),
/// wired with the README's lines only (plus <c>.AddRevocableSignIn()</c>), passes the sign-out-elsewhere scenario users reported. The template is generated,
/// patched, built and run as a child process in a temp folder outside the repo, so the repo's Directory.Build.props,
/// analyzers and warnings-as-errors do not apply to it: it is built as a new user would build it.
/// </summary>
[Collection(TemplateCheckCollection.Name)]
public sealed partial class TemplateCheckTests(ITestOutputHelper output)
{
    private const string Email = "template.user@tether.test";
    private const string Password = "Template#2026";

    // The machine may be shared and busy (CI runners, other builds): every wait gets this long, actions and assertions
    // alike. Waiting longer never makes an assertion pass that should fail; each one is a condition, not a sleep.
    private const float Wait = 30_000;

    private readonly Stopwatch _scenario = new();

    [Fact]
    public async Task The_Identity_template_wired_with_the_README_lines_signs_out_an_open_tab_when_another_tab_signs_out()
    {
        var total = Stopwatch.StartNew();
        var repo = RepositoryRoot();
        var work = Directory.CreateTempSubdirectory("tether-template-");
        Assert.False(
            work.FullName.StartsWith(repo + Path.DirectorySeparatorChar, StringComparison.Ordinal),
            $"The temp folder {work.FullName} is inside the repo {repo}: the repo's Directory.Build.props would apply to the template.");
        var app = Path.Combine(work.FullName, "TemplateApp");
        Process? server = null;
        var serverLog = new StringBuilder();
        try
        {
            // Stop MSBuild's upward search for Directory.Build.* and Directory.Packages.props at the temp folder, so
            // nothing above it (a CI workspace, a user's home) changes how the template builds.
            foreach (var file in new[] { "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props" })
            {
                await File.WriteAllTextAsync(Path.Combine(work.FullName, file), "<Project />\n");
            }

            // The template ships with the SDK (no download). Restore happens in the build, from the configured feed.
            var step = Stopwatch.StartNew();
            await RunAsync(work.FullName, TimeSpan.FromMinutes(2), "new", "blazor", "-int", "Server", "-au", "Individual", "-o", app, "--no-restore");
            output.WriteLine($"dotnet new: {step.Elapsed.TotalSeconds:F1}s");

            PatchProject(Path.Combine(app, "TemplateApp.csproj"), Path.Combine(repo, "src", "Tether", "Tether.csproj"));
            PatchProgram(Path.Combine(app, "Program.cs"));
            PatchCounter(Path.Combine(app, "Components", "Pages", "Counter.razor"));
            await AddInteractiveLoginAsync(Path.Combine(app, "Components", "Pages", "InteractiveLogin.razor"));

            // The template ships Data/app.db with its migration applied (SQLite on every OS) and the app runs from its
            // project folder, where the connection string "DataSource=Data/app.db" points: no migration step is needed.
            Assert.True(File.Exists(Path.Combine(app, "Data", "app.db")), "The template no longer ships Data/app.db: create the database before running it.");

            step.Restart();
            // Measured on 2 busy cores: 35-85 s alone, 190 s beside the Shop tests. The limit only guards against a hang.
            await RunAsync(app, TimeSpan.FromMinutes(6), "build", "-c", "Release", "-nodeReuse:false");
            output.WriteLine($"dotnet build (with restore): {step.Elapsed.TotalSeconds:F1}s");

            step.Restart();
            (server, var baseUrl) = await StartAsync(app, serverLog);
            output.WriteLine($"app start: {step.Elapsed.TotalSeconds:F1}s at {baseUrl}");

            step.Restart();
            await RunScenarioAsync(baseUrl);
            output.WriteLine($"browser scenario: {step.Elapsed.TotalSeconds:F1}s");
        }
        catch
        {
            output.WriteLine("--- template app output ---");
            lock (serverLog)
            {
                output.WriteLine(serverLog.ToString());
            }

            throw;
        }
        finally
        {
            if (server is not null)
            {
                if (!server.HasExited)
                {
                    server.Kill(entireProcessTree: true);
                    await server.WaitForExitAsync();
                }

                server.Dispose();
            }

            work.Delete(recursive: true);
            output.WriteLine($"total: {total.Elapsed.TotalSeconds:F1}s");
        }
    }

    private async Task RunScenarioAsync(string baseUrl)
    {
        _scenario.Restart();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        context.SetDefaultTimeout(Wait);
        var tab1 = await context.NewPageAsync();
        output.WriteLine($"browser launch: {Elapsed()}");
        try
        {
            await RunScenarioAsync(context, tab1, baseUrl);
        }
        catch
        {
            // What each tab showed when the scenario failed.
            foreach (var page in context.Pages)
            {
                output.WriteLine($"--- tab at {page.Url} ---");
                output.WriteLine(await page.Locator("body").InnerTextAsync(new() { Timeout = 5_000 }));
            }

            throw;
        }
    }

    private async Task RunScenarioAsync(IBrowserContext context, IPage tab1, string baseUrl)
    {
        // Register through the template's own pages; its IdentityNoOpEmailSender shows the confirmation link.
        await tab1.GotoAsync("/Account/Register");
        await tab1.FillAsync("[id='Input.Email']", Email);
        await tab1.FillAsync("[id='Input.Password']", Password);
        await tab1.FillAsync("[id='Input.ConfirmPassword']", Password);
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Register", Exact = true }).ClickAsync();
        await tab1.GetByRole(AriaRole.Link, new() { Name = "Click here to confirm your account" }).ClickAsync();
        await Expect(tab1.GetByText("Thank you for confirming your email.")).ToBeVisibleAsync(new() { Timeout = Wait });

        output.WriteLine($"registered: {Elapsed()}");
        await tab1.GotoAsync("/Account/Login?ReturnUrl=%2Fcounter");
        await tab1.FillAsync("[id='Input.Email']", Email);
        await tab1.FillAsync("[id='Input.Password']", Password);
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Log in", Exact = true }).ClickAsync();
        await Expect(tab1).ToHaveURLAsync(baseUrl + "/counter", new() { Timeout = Wait });
        await Expect(tab1.Locator("#interactive")).ToBeAttachedAsync(new() { Timeout = Wait });

        output.WriteLine($"signed in, interactive: {Elapsed()}");

        // Signed in: Tether's Current.User(), Blazor's AuthorizeView and the session all see the user.
        await Expect(tab1.Locator("#auth-view")).ToHaveTextAsync(Email, new() { Timeout = Wait });
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Click me" }).ClickAsync();
        await Expect(tab1.Locator("#session-count")).ToHaveTextAsync("1", new() { Timeout = Wait });
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Click me" }).ClickAsync();
        await Expect(tab1.Locator("#session-count")).ToHaveTextAsync("2", new() { Timeout = Wait });
        await Expect(tab1.Locator("#tether-user")).ToHaveTextAsync(Email, new() { Timeout = Wait });

        output.WriteLine($"clicked: {Elapsed()}");

        // Tab 2 of the same browser signs out through the template's NavMenu (a form posting to /Account/Logout).
        var tab2 = await context.NewPageAsync();
        await tab2.GotoAsync("/");
        await tab2.GetByRole(AriaRole.Button, new() { Name = "Logout" }).ClickAsync();
        await Expect(tab2.GetByRole(AriaRole.Link, new() { Name = "Login" })).ToBeVisibleAsync(new() { Timeout = Wait });

        output.WriteLine($"signed out in tab 2: {Elapsed()}");

        // Tab 1 flips with no click: the sign-out is pushed to its open circuit.
        await Expect(tab1.Locator("#auth-view")).ToHaveTextAsync("signed out", new() { Timeout = Wait });

        output.WriteLine($"tab 1 flipped: {Elapsed()}");

        // Its next event runs as anonymous, in a new session: the counter restarts instead of going on to 3.
        await tab1.GetByRole(AriaRole.Button, new() { Name = "Click me" }).ClickAsync();
        await Expect(tab1.Locator("#tether-user")).ToHaveTextAsync("anonymous", new() { Timeout = Wait });
        await Expect(tab1.Locator("#session-count")).ToHaveTextAsync("1", new() { Timeout = Wait });
        await Expect(tab1.Locator("#auth-view")).ToHaveTextAsync("signed out", new() { Timeout = Wait });

        // An interactive login component, written as a controller action is: SignInManager in click handlers, no Tether line.
        await tab1.GotoAsync("/interactive-login");
        await Expect(tab1.Locator("#login-interactive")).ToBeAttachedAsync(new() { Timeout = Wait });
        await tab1.FillAsync("#login-email", Email);
        await tab1.FillAsync("#login-password", Password);
        // The event renders its result before the page has redeemed the cookies it set (a fetch the circuit asks for),
        // so the redemption's response is awaited before another tab relies on the cookie.
        var redemption = await tab1.RunAndWaitForResponseAsync(
            () => tab1.ClickAsync("#log-in"), r => r.Url == baseUrl + "/_tether/cookies" && r.Request.Method == "POST", new() { Timeout = Wait });
        Assert.True(redemption.Ok, $"The sign-in's cookies were not redeemed: {redemption.Status}.");
        await Expect(tab1.Locator("#login-result")).ToHaveTextAsync("Succeeded", new() { Timeout = Wait });
        await Expect(tab1.Locator("#login-view")).ToHaveTextAsync(Email, new() { Timeout = Wait });
        await Expect(tab1.Locator("#login-user")).ToHaveTextAsync(Email, new() { Timeout = Wait });

        output.WriteLine($"signed in interactively: {Elapsed()}");

        // The cookie reached the browser: another tab, over HTTP, is signed in.
        var tab3 = await context.NewPageAsync();
        await tab3.GotoAsync("/Account/Manage");
        await Expect(tab3).ToHaveURLAsync(baseUrl + "/Account/Manage", new() { Timeout = Wait });

        var deletion = await tab1.RunAndWaitForResponseAsync(
            () => tab1.ClickAsync("#log-out"), r => r.Url == baseUrl + "/_tether/cookies" && r.Request.Method == "POST", new() { Timeout = Wait });
        Assert.True(deletion.Ok, $"The sign-out's cookies were not redeemed: {deletion.Status}.");
        await Expect(tab1.Locator("#login-result")).ToHaveTextAsync("signed out", new() { Timeout = Wait });
        await Expect(tab1.Locator("#login-view")).ToHaveTextAsync("signed out", new() { Timeout = Wait });
        await Expect(tab1.Locator("#login-user")).ToHaveTextAsync("anonymous", new() { Timeout = Wait });

        // And its deletion too: a reload is signed out.
        await tab1.ReloadAsync();
        await Expect(tab1.Locator("#login-view")).ToHaveTextAsync("signed out", new() { Timeout = Wait });

        output.WriteLine($"signed out interactively: {Elapsed()}");
    }

    private string Elapsed() => $"{_scenario.Elapsed.TotalSeconds:F1}s";

    // Adds Tether as a project reference, by the absolute path of the repo under test.
    private static void PatchProject(string csproj, string tether)
    {
        Assert.True(File.Exists(tether), $"Tether's project is not at {tether}.");
        Patch(csproj, "</Project>", $"""
              <ItemGroup>
                <ProjectReference Include="{tether}" />
              </ItemGroup>

            </Project>
            """);
    }

    // The README's lines, and nothing else.
    private static void PatchProgram(string programCs)
    {
        Patch(programCs, "var app = builder.Build();", """
            builder.Services.AddDistributedMemoryCache();
            builder.Services.AddSession();
            builder.Services.AddTether().AddInteractiveServer().AddRevocableSignIn();

            var app = builder.Build();
            """);

        // The template calls no UseAuthentication/UseAuthorization (WebApplication adds them first); the README's order
        // is session, authentication, authorization, antiforgery, then Tether.
        Patch(programCs, "app.UseAntiforgery();", """
            app.UseSession();
            app.UseAuthentication();
            app.UseAuthorization();
            app.UseAntiforgery();
            app.UseTether();
            """);
    }

    // The interactive Counter page shows the three things users reported: Tether's Current.User(), Blazor's AuthorizeView
    // (fed by the template's AuthenticationStateProvider), and a count kept in the session through Current.Session().
    private static void PatchCounter(string counterRazor)
    {
        Patch(counterRazor, "@rendermode InteractiveServer", """
            @rendermode InteractiveServer
            @using Microsoft.AspNetCore.Http
            @using Tether
            """);
        Patch(counterRazor, "<button class=\"btn btn-primary\" @onclick=\"IncrementCount\">Click me</button>", """
            <button class="btn btn-primary" @onclick="IncrementCount">Click me</button>

            <p>Current.User(): <span id="tether-user">@tetherUser</span></p>
            <AuthorizeView>
                <Authorized><p>AuthorizeView: <span id="auth-view">@context.User.Identity?.Name</span></p></Authorized>
                <NotAuthorized><p>AuthorizeView: <span id="auth-view">signed out</span></p></NotAuthorized>
            </AuthorizeView>
            <p>Session count: <span id="session-count">@sessionCount</span></p>
            @if (RendererInfo.IsInteractive)
            {
                <span id="interactive"></span>
            }
            """);
        Patch(counterRazor, "        currentCount++;", """
                    currentCount++;
                    tetherUser = Current.User().Identity?.Name ?? "anonymous";
                    var session = Current.Session();
                    if (session is null)
                    {
                        sessionCount = "no session";
                        return;
                    }

                    var count = (session.GetInt32("count") ?? 0) + 1;
                    session.SetInt32("count", count);
                    sessionCount = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            """);
        Patch(counterRazor, "    private int currentCount = 0;", """
                private int currentCount = 0;
                private string tetherUser = "-";
                private string sessionCount = "-";
            """);
    }

    // The login component of issue 18's "What we saw", as an ASP.NET Core developer writes a controller action.
    private static Task AddInteractiveLoginAsync(string razor) => File.WriteAllTextAsync(razor, """
        @page "/interactive-login"
        @rendermode InteractiveServer
        @using Microsoft.AspNetCore.Identity
        @using TemplateApp.Data
        @using Tether
        @inject SignInManager<ApplicationUser> SignIn

        <input id="login-email" @bind="email" @bind:event="oninput" />
        <input id="login-password" type="password" @bind="password" @bind:event="oninput" />
        <button id="log-in" @onclick="LogIn">Log in</button>
        <button id="log-out" @onclick="LogOut">Log out</button>
        <p>Result: <span id="login-result">@result</span></p>
        <p>Current.User(): <span id="login-user">@(Current.User().Identity?.Name ?? "anonymous")</span></p>
        <AuthorizeView>
            <Authorized><p>AuthorizeView: <span id="login-view">@context.User.Identity?.Name</span></p></Authorized>
            <NotAuthorized><p>AuthorizeView: <span id="login-view">signed out</span></p></NotAuthorized>
        </AuthorizeView>
        @if (RendererInfo.IsInteractive)
        {
            <span id="login-interactive"></span>
        }

        @code {
            private string email = string.Empty, password = string.Empty, result = "-";

            async Task LogIn() => result = (await SignIn.PasswordSignInAsync(email, password, false, false)).ToString();

            async Task LogOut()
            {
                await SignIn.SignOutAsync();
                result = "signed out";
            }
        }
        """);

    private static void Patch(string file, string anchor, string replacement)
    {
        var text = File.ReadAllText(file).ReplaceLineEndings("\n");
        var at = text.IndexOf(anchor, StringComparison.Ordinal);
        Assert.True(at >= 0, $"The template changed: \"{anchor}\" is not in {Path.GetFileName(file)}:\n{text}");
        Assert.True(text.IndexOf(anchor, at + anchor.Length, StringComparison.Ordinal) < 0, $"\"{anchor}\" is in {Path.GetFileName(file)} more than once.");
        File.WriteAllText(file, string.Concat(text.AsSpan(0, at), replacement.ReplaceLineEndings("\n"), text.AsSpan(at + anchor.Length)));
    }

    private async Task RunAsync(string directory, TimeSpan timeout, params string[] args)
    {
        using var process = Start(directory, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"dotnet {string.Join(' ', args)} took longer than {timeout}:\n{await stdout}\n{await stderr}");
        }

        var text = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            Assert.Fail($"dotnet {string.Join(' ', args)} failed ({process.ExitCode}):\n{text}");
        }

        output.WriteLine(text.Length > 2000 ? text[^2000..] : text);
    }

    // Runs the built app from its project folder (where its Data/app.db is) in Development, as `dotnet run` would, on a
    // port Kestrel picks; the port is read from the "Now listening on" line.
    private static async Task<(Process Server, string BaseUrl)> StartAsync(string app, StringBuilder log)
    {
        // bin/Release/<the template's target framework>/, whichever the SDK's template targets.
        var dll = Directory.GetFiles(Path.Combine(app, "bin", "Release"), "TemplateApp.dll", SearchOption.AllDirectories);
        Assert.True(dll.Length == 1, $"Expected one TemplateApp.dll under bin/Release, found: {string.Join(", ", dll)}");
        var process = Start(app, [dll[0], "--urls", "http://127.0.0.1:0"], exec: true);
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                listening.TrySetException(new InvalidOperationException("The template app exited before it listened."));
                return;
            }

            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (ListeningLine().Match(e.Data) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var baseUrl = await listening.Task.WaitAsync(TimeSpan.FromMinutes(2));
            using var http = new HttpClient();
            using var response = await http.GetAsync(new Uri(baseUrl + "/"));
            Assert.True(response.IsSuccessStatusCode, $"GET / answered {(int)response.StatusCode}.");
            return (process, baseUrl);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    private static Process Start(string directory, string[] args, bool exec = false)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (exec)
        {
            info.ArgumentList.Add("exec");
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The test host runs under `dotnet test`, whose MSBuild variables must not leak into the template's build.
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";

        // Configuration, not a patch: keeps EF Core's SQL out of the app output shown when the test fails.
        info.Environment["Logging__LogLevel__Microsoft.EntityFrameworkCore"] = "Warning";
        info.Environment.Remove("ASPNETCORE_URLS");
        return Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Tether.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Tether.slnx above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}

[CollectionDefinition(Name)]
public sealed class TemplateCheckCollection
{
    public const string Name = "TemplateCheck";
}
