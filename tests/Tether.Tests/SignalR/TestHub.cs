using Microsoft.AspNetCore.Authorization;
using Tether.SignalR;

namespace Tether.Tests.SignalR;

public sealed record Whoami(string? User, string? Tenant, string? Owner, string Path, string? Query, string? RemoteIp, bool ConnectUserAuthenticated);

public sealed class TestHub : AppHub
{
    public override Task OnConnectedAsync()
    {
        Session.SetString("connected_as", User.Identity?.Name + "@" + Request.Path);
        return Task.CompletedTask;
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        Session.SetString("disconnected_as", User.Identity?.Name ?? "anonymous");
        return Task.CompletedTask;
    }

    public Whoami Whoami() => new(
        User.Identity?.IsAuthenticated == true ? User.Identity.Name : null,
        User.FindFirstValue("tenant"),
        Session.GetString("owner"),
        Request.Path.Value!,
        Request.QueryString.Value,
        Request.HttpContext.Connection.RemoteIpAddress?.ToString(),
        Context.User?.Identity?.IsAuthenticated == true);

    public void WriteSession(string key, string value) => Session.SetString(key, value);

    [Authorize]
    public string Secret() => "secret for " + User.Identity!.Name;

    [Authorize(Policy = "admins")]
    public string AdminOnly() => "admin area";

    [AdminRequirement]
    public string AdminByRequirement() => "admin area by requirement";

    public string FromStatic() => Ambient.Request.User.Identity?.Name ?? "anonymous";
}

/// <summary>An attribute that carries its own requirement (no [Authorize]), as .NET 8's IAuthorizationRequirementData allows.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class AdminRequirementAttribute : Attribute, Microsoft.AspNetCore.Authorization.IAuthorizationRequirementData
{
    public IEnumerable<Microsoft.AspNetCore.Authorization.IAuthorizationRequirement> GetRequirements()
        => [new Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement(["admin"])];
}
