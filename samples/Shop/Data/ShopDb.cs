using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Shop.Data;

public sealed class ShopDb(DbContextOptions<ShopDb> options) : IdentityDbContext<IdentityUser>(options)
{
    public DbSet<Product> Products => Set<Product>();
}

public sealed class Product
{
    public int Id { get; set; }

    public required string Name { get; set; }

    public required string Category { get; set; }

    public decimal Price { get; set; }
}
