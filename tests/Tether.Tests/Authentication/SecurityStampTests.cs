using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Tether.Tests.Authentication;

/// <summary>ASP.NET Core Identity on EF Core and SQLite, with Tether's revocable sign-in on its application cookie.</summary>
public sealed class SecurityStampTests : IAsyncLifetime
{
    private readonly string _database = Path.Combine(Path.GetTempPath(), $"tether-identity-{Guid.NewGuid():N}.db");
    private CoreTestApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await CoreTestApp.StartAsync(
            services: services =>
            {
                services.AddDbContext<IdentityDb>(o => o.UseSqlite($"Data Source={_database}"));
                services.AddIdentity<IdentityUser, IdentityRole>().AddEntityFrameworkStores<IdentityDb>();
                services.AddTether().AddRevocableSignIn();
            },
            map: app =>
            {
                app.MapGet("/identity/signin", async (SignInManager<IdentityUser> signIn, UserManager<IdentityUser> users, string email) =>
                {
                    var user = await users.FindByEmailAsync(email);
                    if (user is null)
                    {
                        user = new IdentityUser { UserName = email, Email = email };
                        await users.CreateAsync(user);
                    }

                    await signIn.SignInAsync(user, isPersistent: false);
                    return "ok";
                });
                app.MapGet("/identity/new-stamp", async (UserManager<IdentityUser> users, string email) =>
                {
                    var result = await users.UpdateSecurityStampAsync((await users.FindByEmailAsync(email))!);
                    return result.Succeeded ? "ok" : "failed";
                });
                app.MapGet("/identity/rename", async (UserManager<IdentityUser> users, string email, string phone) =>
                {
                    var user = (await users.FindByEmailAsync(email))!;
                    user.PhoneNumber = phone;
                    return (await users.UpdateAsync(user)).Succeeded ? "ok" : "failed";
                });
            });

        await using var scope = _app.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IdentityDb>().Database.EnsureCreatedAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_database);
    }

    [Fact]
    public async Task A_security_stamp_change_revokes_that_users_sign_ins_and_no_one_elses()
    {
        using var kim = _app.NewBrowser();
        using var kimPhone = _app.NewBrowser();
        using var lee = _app.NewBrowser();
        await kim.GetAsync("/identity/signin?email=kim@example.com");
        await kimPhone.GetAsync("/identity/signin?email=kim@example.com");
        await lee.GetAsync("/identity/signin?email=lee@example.com");
        var requests = new[] { await kim.HandshakeAsync("/"), await kimPhone.HandshakeAsync("/"), await lee.HandshakeAsync("/") };
        Assert.Equal("kim@example.com,kim@example.com,lee@example.com", await _app.UsersAsync(requests));

        // An update that keeps the stamp revokes nothing.
        Assert.Equal("ok", await lee.GetAsync("/identity/rename?email=kim@example.com&phone=123"));
        Assert.Equal("kim@example.com,kim@example.com,lee@example.com", await _app.UsersAsync(requests));

        Assert.Equal("ok", await lee.GetAsync("/identity/new-stamp?email=kim@example.com"));

        Assert.Equal("-,-,lee@example.com", await _app.UsersAsync(requests));
        await kim.GetAsync("/identity/signin?email=kim@example.com");
        Assert.Equal("kim@example.com", await _app.UsersAsync([await kim.HandshakeAsync("/")]));
    }

    internal sealed class IdentityDb(DbContextOptions<IdentityDb> options) : IdentityDbContext<IdentityUser>(options);
}
