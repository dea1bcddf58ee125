using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Portal.Infrastructure.Middleware;

public enum CatalogVisibility
{
    /// <summary>What tenants are offered: templates that are not hidden.</summary>
    Offered,

    /// <summary>Every template, hidden ones included (platform admins).</summary>
    All,
}

public sealed record CatalogFilter(
    string? Search = null,
    MiddlewareCategory? Category = null,
    CatalogVisibility Visibility = CatalogVisibility.Offered
);

/// <summary>
/// One card of the catalog. <see cref="LatestVersion"/>, <see cref="Versions"/> and <see cref="Plans"/> count what is
/// offered (hidden ones left out).
/// </summary>
public sealed record CatalogRow(
    string Name,
    string DisplayName,
    MiddlewareCategory Category,
    string Icon,
    string Description,
    bool Hidden,
    string? LatestVersion,
    int Versions,
    int Plans
);

public sealed record CategoryCount(MiddlewareCategory Category, int Templates);

public sealed record CatalogVersion(string Version, string Image, string MajorLine, bool Hidden);

/// <summary>A plan with its quantities as Kubernetes writes them ("250m", "1Gi").</summary>
public sealed record CatalogPlan(
    string Name,
    string DisplayName,
    string CpuRequest,
    string CpuLimit,
    string MemoryRequest,
    string MemoryLimit,
    string Storage,
    int Replicas,
    int MaxReplicas,
    bool Hidden
);

public sealed record CatalogParameter(
    string Name,
    ParameterType Type,
    string? Default,
    IReadOnlyList<string> AllowedValues,
    bool Required,
    string Description,
    string? Pattern
);

/// <summary>
/// A template as its page shows it. For tenants, hidden versions and plans are left out; connection strings and binding
/// variables are named, not shown (they are templates, rendered per instance).
/// </summary>
public sealed record CatalogTemplate(
    string Name,
    string DisplayName,
    MiddlewareCategory Category,
    string Icon,
    string Description,
    bool Hidden,
    DateTime UpdatedAt,
    IReadOnlyList<CatalogVersion> Versions,
    IReadOnlyList<CatalogPlan> Plans,
    IReadOnlyList<CatalogParameter> Parameters,
    IReadOnlyList<TemplatePort> Ports,
    IReadOnlyList<string> ConnectionStrings,
    IReadOnlyList<string> BindingVariables
);

/// <summary>A plan as an admin types it: quantities as Kubernetes writes them ("250m", "512Mi", "10Gi").</summary>
public sealed record PlanInput(
    string? Name,
    string? DisplayName,
    string? CpuRequest,
    string? CpuLimit,
    string? MemoryRequest,
    string? MemoryLimit,
    string? Storage,
    int? Replicas,
    int? MaxReplicas
);

/// <summary>What the catalog shows of a template: its name, category, icon and description.</summary>
public sealed record ChangeTemplateDetails(
    string Name,
    string? DisplayName,
    MiddlewareCategory Category,
    string? Icon,
    string? Description
);

/// <summary>A version of a template: the image it runs and the major line it upgrades within.</summary>
public sealed record AddTemplateVersion(string Name, string? Version, string? Image, string? MajorLine);

/// <summary>
/// The middleware catalog as stored data: tenants browse what is offered; platform admins add templates (from the
/// catalog file format), versions and plans, and hide or show them. Every change goes through
/// <see cref="MiddlewareTemplate"/>, which proves a definition renders before it is taken, and is audited without a
/// tenant (the catalog belongs to the platform).
/// </summary>
public sealed class MiddlewareCatalog(
    ICurrentActor currentActor,
    PortalDbContext db,
    AuditTrail audit,
    ITemplateCheck check,
    TimeProvider clock
)
{
    /// <summary>Templates whose catalog text is longer are refused before they are parsed.</summary>
    public const int MaxYamlLength = TemplateDefinition.ObjectsTemplateMaxLength + 64 * 1024;

    private const string TargetType = "middleware-template";

    /// <summary>
    /// One page of catalog rows, sorted by display name. The definitions (a JSON column) are read only for the rows of
    /// the page, to count what each offers.
    /// </summary>
    public async Task<Page<CatalogRow>> ListAsync(CatalogFilter filter, PageRequest page, CancellationToken ct)
    {
        var templates = Filter(filter, withCategory: true);
        var total = await templates.CountAsync(ct);
        var rows = await templates
            .OrderBy(t => t.DisplayName)
            .ThenBy(t => t.Name)
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(t => new
            {
                t.Id,
                t.Name,
                t.DisplayName,
                t.Category,
                t.Icon,
                t.Description,
                t.Hidden,
            })
            .ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var definitions = await db
            .MiddlewareTemplates.AsNoTracking()
            .Where(t => ids.Contains(t.Id))
            .Select(t => new { t.Id, t.Definition })
            .ToDictionaryAsync(t => t.Id, t => t.Definition, ct);
        var items = rows.Select(r =>
            {
                var definition = definitions[r.Id];
                return new CatalogRow(
                    r.Name,
                    r.DisplayName,
                    r.Category,
                    r.Icon,
                    r.Description,
                    r.Hidden,
                    definition.LatestVersion()?.Version,
                    definition.VisibleVersions().Count,
                    definition.VisiblePlans().Count
                );
            })
            .ToList();
        return new Page<CatalogRow>(items, page.Number, page.Size, total);
    }

    /// <summary>
    /// How many templates each category holds under the filter's search and visibility (its category aside).
    /// </summary>
    public async Task<IReadOnlyList<CategoryCount>> CategoriesAsync(CatalogFilter filter, CancellationToken ct)
    {
        var counts = await Filter(filter, withCategory: false)
            .GroupBy(t => t.Category)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(ct);
        return Enum.GetValues<MiddlewareCategory>()
            .Select(c => new CategoryCount(c, counts.FirstOrDefault(x => x.Key == c)?.Count ?? 0))
            .ToList();
    }

    /// <summary>
    /// The template as tenants see it (null when hidden or unknown), or whole with <see cref="CatalogVisibility.All"/>.
    /// </summary>
    public async Task<CatalogTemplate?> FindAsync(string name, CatalogVisibility visibility, CancellationToken ct)
    {
        var template = await db.MiddlewareTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);
        if (template is null || (template.Hidden && visibility == CatalogVisibility.Offered))
            return null;
        return View(template, visibility);
    }

    /// <summary>
    /// Adds a whole template from the text of a catalog file (<c>catalog/README.md</c> describes it). The file is named
    /// after the template it declares; a template that does not parse, validate and render is refused with every
    /// problem, and nothing is saved.
    /// </summary>
    public async Task<Result<MiddlewareTemplate>> CreateAsync(string? yaml, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        if (string.IsNullOrWhiteSpace(yaml))
            return Problem.Invalid("Yaml", "Paste or upload a template in the catalog file format.");
        if (yaml.Length > MaxYamlLength)
            return Problem.Invalid("Yaml", $"A template has at most {MaxYamlLength / 1024} KiB of text.");
        var fileName = $"{DeclaredName(yaml) ?? "template"}{CatalogFiles.Extension}";
        var entry = CatalogFiles.Parse(fileName, yaml);
        if (!entry.Succeeded)
            return InYaml(entry.Problem!);
        var created = entry.Value.ToTemplate(check, Now());
        if (!created.Succeeded)
            return InYaml(created.Problem!);
        var template = created.Value;
        if (await db.MiddlewareTemplates.AnyAsync(t => t.Name == template.Name, ct))
            return Problem.Conflict(
                $"The catalog holds a template '{template.Name}' already; add versions and plans to it instead.",
                "Yaml"
            );
        db.MiddlewareTemplates.Add(template);
        audit.Record(
            actor,
            null,
            MiddlewareAuditActions.TemplateCreated,
            TargetType,
            template.Name,
            $"{template.DisplayName} ({template.Category}): versions "
                + $"{string.Join(", ", template.Definition.Versions.Select(v => v.Version))}; "
                + "plans "
                + $"{string.Join(", ", template.Definition.Plans.Select(p => p.Name))}"
                + $"{(template.Hidden ? "; hidden" : "")}"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict(
                $"The catalog holds a template '{template.Name}' already; add versions and plans to it instead.",
                "Yaml"
            );
        return template;
    }

    public Task<Result> ChangeDetailsAsync(ChangeTemplateDetails request, CancellationToken ct)
    {
        var (name, displayName, category, icon, description) = request;
        var actor = currentActor.Actor;
        return ChangeAsync(
            actor,
            name,
            MiddlewareAuditActions.TemplateDetailsChanged,
            name,
            t =>
            {
                var before = $"{t.DisplayName} ({t.Category}, {t.Icon})";
                var changed = t.ChangeDetails(displayName, category, icon, description, Now());
                return (changed, $"{before} → {t.DisplayName} ({t.Category}, {t.Icon})");
            },
            ct
        );
    }

    /// <summary>Adds a version; problems name its fields ("Version", "Image", "MajorLine").</summary>
    public Task<Result> AddVersionAsync(AddTemplateVersion request, CancellationToken ct)
    {
        var (name, version, image, majorLine) = request;
        var actor = currentActor.Actor;
        return ChangeAsync(
            actor,
            name,
            MiddlewareAuditActions.TemplateVersionAdded,
            $"{name}/{version}",
            t =>
                (
                    t.AddVersion(
                        new TemplateVersion(version?.Trim() ?? "", image?.Trim() ?? "", majorLine?.Trim() ?? ""),
                        check,
                        Now()
                    ),
                    $"version {version} on {image} (line {majorLine})"
                ),
            ct
        );
    }

    /// <summary>Adds a plan; problems name its fields ("CpuRequest", "Storage", "MaxReplicas").</summary>
    public async Task<Result> AddPlanAsync(string name, PlanInput input, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var problems = new List<Problem>();
        var plan = new TemplatePlan(
            input.Name?.Trim() ?? "",
            input.DisplayName?.Trim() ?? "",
            Amount(input.CpuRequest, nameof(PlanInput.CpuRequest), cpu: true, problems),
            Amount(input.CpuLimit, nameof(PlanInput.CpuLimit), cpu: true, problems),
            Amount(input.MemoryRequest, nameof(PlanInput.MemoryRequest), cpu: false, problems),
            Amount(input.MemoryLimit, nameof(PlanInput.MemoryLimit), cpu: false, problems),
            Amount(input.Storage, nameof(PlanInput.Storage), cpu: false, problems),
            input.Replicas ?? 1,
            input.MaxReplicas ?? input.Replicas ?? 1
        );
        if (problems.Count > 0)
        {
            if (await db.MiddlewareTemplates.AnyAsync(t => t.Name == name, ct))
                return Problem.Invalid(problems);
            return Problem.NotFound($"Middleware template '{name}'");
        }
        return await ChangeAsync(
            actor,
            name,
            MiddlewareAuditActions.TemplatePlanAdded,
            $"{name}/{plan.Name}",
            t =>
                (
                    t.AddPlan(plan, check, Now()),
                    $"plan {plan.Name}: CPU {input.CpuRequest}/{input.CpuLimit}, memory "
                        + $"{input.MemoryRequest}/{input.MemoryLimit}, storage {input.Storage}, "
                        + $"replicas {plan.Replicas}–{plan.MaxReplicas}"
                ),
            ct
        );
    }

    /// <summary>Hides a template from tenants (or shows it again); instances that run on it keep running.</summary>
    public Task<Result> SetHiddenAsync(string name, bool hidden, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        return ChangeAsync(
            actor,
            name,
            hidden ? MiddlewareAuditActions.TemplateHidden : MiddlewareAuditActions.TemplateShown,
            name,
            t =>
            {
                if (hidden)
                    t.Hide(Now());
                else
                    t.Show(Now());
                return (Result.Ok(), null);
            },
            ct
        );
    }

    public Task<Result> SetVersionHiddenAsync(string name, string version, bool hidden, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        return ChangeAsync(
            actor,
            name,
            hidden ? MiddlewareAuditActions.TemplateVersionHidden : MiddlewareAuditActions.TemplateVersionShown,
            $"{name}/{version}",
            t => (hidden ? t.HideVersion(version, Now()) : t.ShowVersion(version, Now()), null),
            ct
        );
    }

    public Task<Result> SetPlanHiddenAsync(string name, string plan, bool hidden, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        return ChangeAsync(
            actor,
            name,
            hidden ? MiddlewareAuditActions.TemplatePlanHidden : MiddlewareAuditActions.TemplatePlanShown,
            $"{name}/{plan}",
            t => (hidden ? t.HidePlan(plan, Now()) : t.ShowPlan(plan, Now()), null),
            ct
        );
    }

    /// <summary>
    /// Loads the template, applies one change and saves it with its audit event; a refused change saves nothing.
    /// </summary>
    private async Task<Result> ChangeAsync(
        Actor actor,
        string name,
        string action,
        string target,
        Func<MiddlewareTemplate, (Result Result, string? Summary)> change,
        CancellationToken ct
    )
    {
        var template = await db.MiddlewareTemplates.FirstOrDefaultAsync(t => t.Name == name, ct);
        if (template is null)
            return Problem.NotFound($"Middleware template '{name}'");
        var (result, summary) = change(template);
        if (!result.Succeeded)
            return result;
        audit.Record(actor, null, action, TargetType, target, summary);
        await db.SaveChangesAsync(ct);
        return result;
    }

    private IQueryable<MiddlewareTemplate> Filter(CatalogFilter filter, bool withCategory)
    {
        var templates = db.MiddlewareTemplates.AsNoTracking();
        if (filter.Visibility == CatalogVisibility.Offered)
            templates = templates.Where(t => !t.Hidden);
        if (withCategory && filter.Category is { } category)
            templates = templates.Where(t => t.Category == category);
        if (!string.IsNullOrWhiteSpace(filter.Search))
        {
            var search = filter.Search.Trim().ToLowerInvariant();
            templates = templates.Where(t =>
                t.Name.Contains(search)
                || t.DisplayName.ToLower().Contains(search)
                || t.Description.ToLower().Contains(search)
            );
        }
        return templates;
    }

    private static CatalogTemplate View(MiddlewareTemplate template, CatalogVisibility visibility)
    {
        var definition = template.Definition;
        var all = visibility == CatalogVisibility.All;
        var versions = (
            all
                ? definition.Versions.OrderByDescending(v => v.Version, VersionOrder.Comparer).ToList()
                : definition.VisibleVersions()
        )
            .Select(v => new CatalogVersion(v.Version, v.Image, v.MajorLine, v.Hidden))
            .ToList();
        var plans = (all ? definition.Plans : definition.VisiblePlans())
            .Select(p => new CatalogPlan(
                p.Name,
                p.DisplayName,
                ApplicationManifests.Cpu(p.CpuRequestMillis),
                ApplicationManifests.Cpu(p.CpuLimitMillis),
                ApplicationManifests.Bytes(p.MemoryRequestBytes),
                ApplicationManifests.Bytes(p.MemoryLimitBytes),
                ApplicationManifests.Bytes(p.StorageBytes),
                p.Replicas,
                p.MaxReplicas,
                p.Hidden
            ))
            .ToList();
        var parameters = definition
            .Parameters.Select(p => new CatalogParameter(
                p.Name,
                p.Type,
                p.Default,
                p.AllowedValues,
                p.Required,
                p.Description,
                p.Pattern
            ))
            .ToList();
        return new CatalogTemplate(
            template.Name,
            template.DisplayName,
            template.Category,
            template.Icon,
            template.Description,
            template.Hidden,
            template.UpdatedAt,
            versions,
            plans,
            parameters,
            definition.Ports,
            definition.ConnectionStrings.Select(c => c.Label).ToList(),
            definition.BindingVariables.Select(b => b.Name).ToList()
        );
    }

    /// <summary>
    /// The <c>name</c> the text declares, so that a pasted template is read as the file named after it; null when there
    /// is none to read.
    /// </summary>
    private static string? DeclaredName(string yaml)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            return
                stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
                && root.Children.TryGetValue(new YamlScalarNode("name"), out var node)
                && node is YamlScalarNode { Value: { Length: > 0 } name }
                && MiddlewareTemplate.NameMaxLength >= name.Length
                && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
                ? name
                : null;
        }
        catch (YamlException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every problem of the text, each also under the form's one field ("Yaml"), so that a form shows them beside it.
    /// </summary>
    private static Problem InYaml(Problem problem)
    {
        var causes = (problem.Causes.Count > 0 ? problem.Causes : [problem])
            .Select(c => c with { Field = "Yaml" })
            .ToList();
        return causes.Count == 1
            ? causes[0]
            : new Problem(ProblemKind.Invalid, problem.Message, "Yaml") { Causes = causes };
    }

    private static long Amount(string? text, string field, bool cpu, List<Problem> problems)
    {
        if (Quantity.TryWhole(text, cpu ? 1000m : 1m, out var whole))
            return whole;
        problems.Add(
            Problem.Invalid(
                field,
                $"'{text}' is not a quantity: write it as Kubernetes does, like "
                    + $"{(cpu ? "'250m' or '2'" : "'512Mi' or '10Gi'")}."
            )
        );
        return 0;
    }

    private DateTime Now() => clock.GetUtcNow().UtcDateTime;
}
