using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Shell;

/// <summary>The start page, each tenant's dashboard, and the areas that later features fill.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class HomeController(TenantAdministration tenants) : Controller
{
    [HttpGet("/"), Authorize]
    public async Task<IActionResult> Index(CancellationToken ct)
    {
        var mine = await tenants.ListForUserAsync(User.UserId() ?? Guid.Empty, User.IsPlatformAdmin(), ct);
        if (mine.Count > 0)
            return Redirect($"/t/{mine[0].Slug}");
        return User.IsPlatformAdmin() ? Redirect("/admin") : View("NoTenant");
    }

    [HttpGet("/t/{tenant}"), Authorize(TenantPolicies.Read)]
    public IActionResult Dashboard() => View(HttpContext.TenantAccess());

    [HttpGet("/t/{tenant}/{area:regex(^(monitoring)$)}"), Authorize(TenantPolicies.Read)]
    public IActionResult Area(string area) => View("Area", AreaToCome.For(area));
}

/// <summary>What an area of the portal will hold, said to the user until it does.</summary>
public sealed record AreaToCome(string Title, string Icon, string Summary, IReadOnlyList<string> WillShow)
{
    public static AreaToCome For(string area) => area switch
    {
        "middleware" => new("Middleware", "database",
            "An app store of databases, caches and queues, run in your environments and bound to your applications.",
            ["PostgreSQL, MySQL, Redis, RabbitMQ, MongoDB, Kafka, Elasticsearch and more", "Plans, credentials and connection strings",
             "Bindings that inject connection settings into applications"]),
        _ => new("Monitoring", "activity",
            "Dashboards and alerts for your applications and middleware.",
            ["CPU, memory, restarts and replicas over time", "Alert rules with webhook and email notifications", "Firing and resolved alerts"]),
    };
}
