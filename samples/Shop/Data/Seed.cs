using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Shop.Data;

/// <summary>Creates the SQLite database on first run, with the demo users and a small catalogue.</summary>
public static class Seed
{
    public const string CustomerEmail = "customer@shop.test";
    public const string CustomerPassword = "Customer#2026";
    public const string AdminEmail = "admin@shop.test";
    public const string AdminPassword = "Admin#2026";

    public static async Task RunAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ShopDb>();

        // Two nodes started at once on one database (the README's scale-out commands) seed it one after the other.
        await using var gate = await LockAsync(db.Database.GetDbConnection().DataSource + ".seed-lock");
        await db.Database.EnsureCreatedAsync();

        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        if (!await roles.RoleExistsAsync("admin"))
        {
            await roles.CreateAsync(new IdentityRole("admin"));
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<IdentityUser>>();
        await EnsureUserAsync(users, CustomerEmail, CustomerPassword, admin: false);
        await EnsureUserAsync(users, AdminEmail, AdminPassword, admin: true);

        if (!await db.Products.AnyAsync())
        {
            db.Products.AddRange(
                new Product { Name = "Trail running shoe", Category = "Shoes", Price = 119m },
                new Product { Name = "Leather city shoe", Category = "Shoes", Price = 149m },
                new Product { Name = "Canvas shoe", Category = "Shoes", Price = 59m },
                new Product { Name = "Wool scarf", Category = "Accessories", Price = 35m },
                new Product { Name = "Rain jacket", Category = "Outerwear", Price = 180m },
                new Product { Name = "Merino socks", Category = "Accessories", Price = 18m });
            await db.SaveChangesAsync();
        }
    }

    private static async Task<FileStream> LockAsync(string path)
    {
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task EnsureUserAsync(UserManager<IdentityUser> users, string email, string password, bool admin)
    {
        if (await users.FindByEmailAsync(email) is not null)
        {
            return;
        }

        var user = new IdentityUser { UserName = email, Email = email, EmailConfirmed = true };
        var result = await users.CreateAsync(user, password);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException(string.Join("; ", result.Errors.Select(e => e.Description)));
        }

        if (admin)
        {
            await users.AddToRoleAsync(user, "admin");
        }
    }
}
