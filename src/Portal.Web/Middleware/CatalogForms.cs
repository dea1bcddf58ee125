using Portal.Domain.Middleware;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Tenancy;

namespace Portal.Web.Middleware;

public sealed class CatalogQuery
{
    public string? Search { get; set; }
    public MiddlewareCategory? Category { get; set; }
    public int? Page { get; set; }
}

public sealed record CatalogListModel(
    TenantAccess Access,
    Page<CatalogRow> Templates,
    IReadOnlyList<CategoryCount> Categories,
    CatalogQuery Query
);

public sealed record CatalogTemplateModel(TenantAccess Access, CatalogTemplate Template);

public sealed record CatalogAdminListModel(Page<CatalogRow> Templates, CatalogQuery Query, NewTemplateForm Form);

public sealed record CatalogAdminDetailModel(
    CatalogTemplate Template,
    VersionForm NewVersion,
    PlanForm NewPlan,
    DetailsForm Details
);

/// <summary>A whole template in the catalog file format, pasted or uploaded.</summary>
public sealed class NewTemplateForm
{
    public string? Yaml { get; set; }
    public IFormFile? File { get; set; }
}

public sealed class VersionForm
{
    public string? Version { get; set; }
    public string? Image { get; set; }
    public string? MajorLine { get; set; }
}

/// <summary>A plan as an admin types it: "250m", "512Mi", "10Gi".</summary>
public sealed class PlanForm
{
    public string? Name { get; set; }
    public string? DisplayName { get; set; }
    public string? CpuRequest { get; set; }
    public string? CpuLimit { get; set; }
    public string? MemoryRequest { get; set; }
    public string? MemoryLimit { get; set; }
    public string? Storage { get; set; }
    public int? Replicas { get; set; }
    public int? MaxReplicas { get; set; }

    public PlanInput ToInput() =>
        new(Name, DisplayName, CpuRequest, CpuLimit, MemoryRequest, MemoryLimit, Storage, Replicas, MaxReplicas);
}

public sealed class DetailsForm
{
    public string? DisplayName { get; set; }
    public MiddlewareCategory Category { get; set; }
    public string? Icon { get; set; }
    public string? Description { get; set; }

    public static DetailsForm For(CatalogTemplate template) =>
        new()
        {
            DisplayName = template.DisplayName,
            Category = template.Category,
            Icon = template.Icon,
            Description = template.Description,
        };
}

public static class CategoryText
{
    public static string Of(MiddlewareCategory category) =>
        category switch
        {
            MiddlewareCategory.MessageQueue => "Message queue",
            _ => category.ToString(),
        };
}
