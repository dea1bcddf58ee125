using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Portal.Web.Tenancy;

namespace Portal.Web.Benchmarks;

/// <summary>
/// The physical ceiling of this stack for the application list: the same first 20 rows read with one hand-written
/// Npgsql query and written by a minimal Razor view, behind the same sign-in and tenant check. Only registered when
/// <see cref="BaselinePageSwitch.Setting"/> is true (benchmarks/ turns it on); otherwise the route does not exist.
/// </summary>
public sealed class BaselinePageController(IConfiguration configuration) : Controller
{
    public const string Route = "/t/{tenant}/benchmarks/baseline-apps";

    private const string FirstPage = """
        SELECT a."Name", a."Description", a."Owner", a."Image", a."LatestRevision", a."UpdatedAt"
        FROM "Applications" a JOIN "Tenants" t ON t."Id" = a."TenantId"
        WHERE t."Slug" = $1 AND NOT a."IsDeleting"
        ORDER BY a."Name"
        LIMIT 20
        """;

    [HttpGet(Route), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Index(string tenant, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(configuration.GetConnectionString("Portal"));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(FirstPage, connection)
        {
            Parameters = { new() { Value = tenant } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<BaselineRow>(20);
        while (await reader.ReadAsync(ct))
            rows.Add(
                new BaselineRow(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetString(3),
                    reader.GetInt32(4),
                    reader.GetDateTime(5)
                )
            );
        return View(rows);
    }
}

public sealed record BaselineRow(
    string Name,
    string Description,
    string Owner,
    string Image,
    int LatestRevision,
    DateTime UpdatedAt
);
