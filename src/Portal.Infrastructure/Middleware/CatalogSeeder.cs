using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Middleware;

public sealed class CatalogOptions
{
    public const string Section = "Portal:Catalog";

    /// <summary>
    /// The folder of the seed templates (one YAML file each); relative paths start at the application's folder.
    /// </summary>
    public string SeedDirectory { get; set; } = "catalog";
}

/// <summary>
/// Adds the templates of the seed folder that the catalog does not hold yet, at start. A template already in the
/// catalog is left as it is: what a platform admin changed there wins over the files.
/// </summary>
public sealed class CatalogSeeder(
    PortalDbContext db,
    ITemplateCheck check,
    IOptions<CatalogOptions> options,
    TimeProvider clock,
    ILogger<CatalogSeeder> logger
)
{
    public async Task<int> SeedAsync(CancellationToken ct)
    {
        var directory = Path.IsPathRooted(options.Value.SeedDirectory)
            ? options.Value.SeedDirectory
            : Path.Combine(AppContext.BaseDirectory, options.Value.SeedDirectory);
        if (!Directory.Exists(directory))
        {
            logger.LogWarning("No catalog seed folder at {Directory}: the middleware catalog starts empty", directory);
            return 0;
        }
        var entries = CatalogFiles.Load(directory);
        if (!entries.Succeeded)
            throw new InvalidOperationException(
                $"The catalog seed files in {directory} are broken: {entries.Problem!.Message}"
            );
        // Only templates the catalog lacks are proven to render: at most starts there are none, and proving them is the
        // costly part.
        var known = await db.MiddlewareTemplates.Select(t => t.Name).ToListAsync(ct);
        var added = new List<MiddlewareTemplate>();
        foreach (var entry in entries.Value.Where(e => !known.Contains(e.Name)))
        {
            var template = entry.ToTemplate(check, clock.GetUtcNow().UtcDateTime);
            if (!template.Succeeded)
                throw new InvalidOperationException(
                    $"The catalog seed file {entry.FileName} is broken: {template.Problem!.Message}"
                );
            added.Add(template.Value);
        }
        db.MiddlewareTemplates.AddRange(added);
        await db.SaveChangesAsync(ct);
        if (added.Count > 0)
            logger.LogInformation(
                "Seeded {Count} middleware template(s): {Names}",
                added.Count,
                string.Join(", ", added.Select(t => t.Name))
            );
        return added.Count;
    }
}
