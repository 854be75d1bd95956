using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.EntityFrameworkCore;
using Shop;
using Shop.Components;
using Shop.Data;
using Shop.Hubs;
using Shop.State;
using Tether;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddRazorPages();

builder.Services.AddDbContext<ShopDb>(options =>
    options.UseSqlite(builder.Configuration.GetConnectionString("Shop") ?? "Data Source=shop.db"));
builder.Services.AddIdentity<IdentityUser, IdentityRole>()
    .AddEntityFrameworkStores<ShopDb>()
    .AddDefaultTokenProviders();
builder.Services.ConfigureApplicationCookie(options =>
{
    options.LoginPath = "/account/login";
    options.AccessDeniedPath = "/account/denied";
    options.Cookie.HttpOnly = true;
});

// The session store is the distributed cache: in memory here, Redis to scale out.
builder.Services.AddDistributedMemoryCache();
builder.Services.AddSession(options =>
{
    options.Cookie.HttpOnly = true;
    options.Cookie.IsEssential = true;
});

// Sign-ins are revocable: a sign-out in any tab (or an admin's revocation) ends the user on every open socket at once.
var tether = builder.Services.AddTether().AddInteractiveServer().AddRevocableSignIn();

// Scaled out: given a Redis connection string (ConnectionStrings:Redis, or the ConnectionStrings__Redis environment
// variable), sessions, sign-ins, cookie handoffs, the Data Protection key ring, SignalR messages and revocations are all
// shared through Redis, so any number of nodes serve the same users. Without one, everything stays in this process.
if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
{
    tether.AddRedis(redis, options => options.Prefix = "shop");
}
builder.Services.AddCascadingAuthenticationState();
builder.Services.AddSignalR().AddTether<ShopHub>();
builder.Services.AddAppState<BillingState>();
builder.Services.AddAppState<ShopState>();
builder.Services.AddSingleton<FeaturedProduct>();

// One policy for the catalogue's admin-only action: a handler checks it with await State.AuthorizeAsync("admin").
builder.Services.AddAuthorizationBuilder().AddPolicy("admin", policy => policy.RequireRole("admin"));

// ASP.NET Core's own rate limiter, run on events by events.UseRateLimiter() below: a page (or a hub, or a hub method)
// opts in with [EnableRateLimiting("clicks")]. A few clicks a second per user (RateLimits:Clicks in configuration); a
// refused click does not run, and AppState.DeniedStatusCode shows 429.
var clicks = builder.Configuration.GetSection("RateLimits:Clicks");
builder.Services.AddRateLimiter(options =>
{
    options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
    options.AddPolicy("clicks", context => RateLimitPartition.GetFixedWindowLimiter(
        context.User.Identity?.Name ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous",
        _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = clicks.GetValue("PermitLimit", 3),
            Window = clicks.GetValue("Window", TimeSpan.FromSeconds(1)),
            QueueLimit = 0,
        }));
});

// One culture setting for pages and events: app.UseRequestLocalization() and events.UseRequestLocalization() below
// both read these options (culture cookie first, then Accept-Language).
string[] cultures = ["en-US", "fr-FR", "de-DE"];
builder.Services.Configure<RequestLocalizationOptions>(options =>
    options.SetDefaultCulture(cultures[0]).AddSupportedCultures(cultures).AddSupportedUICultures(cultures));

var app = builder.Build();
await Seed.RunAsync(app.Services);

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/error", createScopeForErrors: true);
}

app.MapStaticAssets();
app.UseRequestLocalization();
app.UseSession();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

// The event pipeline: the app's session and authentication middleware, then the app's own middleware for events.
// Here: the rate limiter, which reads the [EnableRateLimiting] of the page a click is on (the event's endpoint, /deals).
// The profile needs a signed-in user, checked again on every click rather than once when the page loaded.
// And every event runs in the culture of its own request, read afresh from the culture cookie or Accept-Language.
app.UseTether(events =>
{
    events.UseRateLimiter();
    events.UseRequestLocalization();
    events.Use(async (context, next) =>
    {
        if (context.Request.Path.StartsWithSegments("/profile") && context.User.Identity?.IsAuthenticated != true)
        {
            context.Response.Redirect("/account/login?returnUrl=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
            return;
        }

        await next(context);
    });
});

app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapRazorPages();
app.MapHub<ShopHub>("/hubs/shop");

app.MapGet("/api/products", async (ShopDb db, string? q) =>
    await db.Products.Where(p => q == null || p.Name.Contains(q)).OrderBy(p => p.Name).ToListAsync());

app.MapGet("/api/session", async (HttpContext context) =>
{
    await context.Session.LoadAsync();
    return new
    {
        user = context.User.Identity?.Name,
        last_payment_status = context.Session.GetString("last_payment_status"),
        cart = Cart.Read(context.Session),
    };
});

app.MapPost("/cart/add", async (HttpContext context, IAntiforgery antiforgery) =>
{
    await antiforgery.ValidateRequestAsync(context);
    var form = await context.Request.ReadFormAsync();
    if (form["item"].ToString() is { Length: > 0 and <= 100 } item)
    {
        await Cart.AddAsync(context.Session, item);
        // Saved before the redirect, so a store failure is this request's error instead of a lost add.
        await context.Session.CommitAsync();
    }

    return Results.LocalRedirect(LocalUrl(form["returnUrl"]));
});

// The language switch, over HTTP as ASP.NET Core documents it: set the culture cookie and go back to the page. It is an
// enhanced navigation that keeps the page's circuit: Tether's script tells the circuit the URL the page shows after the
// redirect, then resyncs the browser's cookies into it, so the circuit's next event runs at the page, in the new culture.
app.MapGet("/culture", (HttpContext context, string? culture, string? returnUrl) =>
{
    if (culture is not null && cultures.Contains(culture))
    {
        context.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), HttpOnly = true, IsEssential = true, SameSite = SameSiteMode.Lax });
    }

    return Results.LocalRedirect(LocalUrl(returnUrl));
});

app.MapPost("/account/logout", async (HttpContext context, IAntiforgery antiforgery, SignInManager<IdentityUser> signIn) =>
{
    await antiforgery.ValidateRequestAsync(context);
    // Revokes this sign-in for every open circuit and hub connection, and starts a new, empty session.
    await signIn.SignOutAsync();
    return Results.LocalRedirect("/");
});

app.Run();

static string LocalUrl(string? url) => url is ['/', not '/' and not '\\', ..] or "/" ? url : "/";

/// <summary>The entry point, visible to the browser tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
