using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Middleware;

/// <summary>One template as a catalog file describes it: its details and its definition.</summary>
public sealed record CatalogEntry(
    string FileName,
    string Name,
    string DisplayName,
    MiddlewareCategory Category,
    string Icon,
    string Description,
    bool Hidden,
    TemplateDefinition Definition
)
{
    /// <summary>
    /// The template, validated by the domain and proven by <paramref name="check"/>; problems name the file.
    /// </summary>
    public Result<MiddlewareTemplate> ToTemplate(ITemplateCheck check, DateTime now)
    {
        var created = MiddlewareTemplate.Create(
            Name,
            DisplayName,
            Category,
            Icon,
            Description,
            Definition,
            check,
            now,
            Hidden
        );
        return created.Succeeded ? created : CatalogFiles.InFile(FileName, created.Problem!);
    }
}

/// <summary>
/// Reads the catalog's seed templates: one YAML file per template in <c>catalog/</c>, named after the template
/// ("postgresql.yaml"), parsed with the YamlDotNet that KubernetesClient brings. Keys are camelCase and unknown keys
/// are refused, so that a typo does not pass for an empty field; quantities are written as Kubernetes writes them
/// ("250m", "1Gi"); the objects template is a literal block (<c>objects: |</c>). <c>catalog/README.md</c> describes the
/// format.
/// </summary>
public static class CatalogFiles
{
    public const string Extension = CatalogFile.Extension;

    /// <summary>
    /// Every catalog file of <paramref name="directory"/>, in name order; all the problems of all the files at once.
    /// </summary>
    public static Result<IReadOnlyList<CatalogEntry>> Load(string directory) =>
        CatalogFile.LoadFolder(directory, "catalog", Parse);

    /// <summary>The templates of every catalog file, each validated and proven to render.</summary>
    public static Result<IReadOnlyList<MiddlewareTemplate>> LoadTemplates(
        string directory,
        ITemplateCheck check,
        DateTime now
    )
    {
        var entries = Load(directory);
        if (!entries.Succeeded)
            return entries.Problem!;
        var templates = new List<MiddlewareTemplate>();
        var problems = new List<Problem>();
        foreach (var entry in entries.Value)
        {
            var template = entry.ToTemplate(check, now);
            if (template.Succeeded)
                templates.Add(template.Value);
            else
                problems.AddRange(CatalogFile.Flatten(template.Problem!));
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : templates;
    }

    /// <summary>
    /// One catalog file's text; <paramref name="fileName"/> names the template ("redis.yaml" holds "redis") and every
    /// problem.
    /// </summary>
    public static Result<CatalogEntry> Parse(string fileName, string yaml)
    {
        var read = CatalogFile.Read<TemplateFile>(fileName, yaml);
        if (!read.Succeeded)
            return read.Problem!;
        var file = read.Value;

        var problems = new List<Problem>();
        if (CatalogFile.NameMismatch(fileName, file.Name, "template") is { } mismatch)
            problems.Add(mismatch);
        if (
            !Enum.TryParse<MiddlewareCategory>(file.Category, ignoreCase: true, out var category)
            || !Enum.IsDefined(category)
        )
            problems.Add(
                Problem.Invalid(
                    "Category",
                    $"'{file.Category}' is not a category: use "
                        + $"{string.Join(", ", Enum.GetNames<MiddlewareCategory>())}."
                )
            );
        var plans = (file.Plans ?? []).Select((p, i) => Plan(p, $"Plans[{i}]", problems)).ToList();
        var parameters = (file.Parameters ?? []).Select((p, i) => Parameter(p, $"Parameters[{i}]", problems)).ToList();
        if (problems.Count > 0)
            return InFile(fileName, Problem.Invalid(problems));

        var definition = new TemplateDefinition
        {
            Versions = (file.Versions ?? [])
                .Select(v => new TemplateVersion(v.Version ?? "", v.Image ?? "", v.MajorLine ?? "", v.Hidden))
                .ToList(),
            Plans = plans,
            Parameters = parameters,
            Ports = (file.Ports ?? []).Select(p => new TemplatePort(p.Name ?? "", p.Port)).ToList(),
            Credentials = (file.Credentials ?? []).Select(c => new CredentialSpec(c.Key ?? "", c.Length)).ToList(),
            ConnectionStrings = (file.ConnectionStrings ?? [])
                .Select(c => new ConnectionStringTemplate(c.Label ?? "", c.Template ?? ""))
                .ToList(),
            BindingVariables = (file.BindingVariables ?? [])
                .Select(b => new BindingVariable(b.Name ?? "", b.Value, b.SecretKey))
                .ToList(),
            ObjectsTemplate = file.Objects ?? "",
        };
        return new CatalogEntry(
            fileName,
            file.Name ?? "",
            file.DisplayName ?? "",
            category,
            file.Icon ?? "",
            file.Description?.Trim() ?? "",
            file.Hidden,
            definition
        );
    }

    internal static Problem InFile(string fileName, Problem problem) => CatalogFile.InFile(fileName, problem);

    private static TemplatePlan Plan(PlanFile plan, string field, List<Problem> problems) =>
        new(
            plan.Name ?? "",
            plan.DisplayName ?? "",
            Amount(plan.CpuRequest, $"{field}.CpuRequest", cpu: true, problems),
            Amount(plan.CpuLimit, $"{field}.CpuLimit", cpu: true, problems),
            Amount(plan.MemoryRequest, $"{field}.MemoryRequest", cpu: false, problems),
            Amount(plan.MemoryLimit, $"{field}.MemoryLimit", cpu: false, problems),
            Amount(plan.Storage, $"{field}.Storage", cpu: false, problems),
            plan.Replicas,
            plan.MaxReplicas,
            plan.Hidden
        );

    private static long Amount(string? text, string field, bool cpu, List<Problem> problems)
    {
        if (Quantity.TryParse(text, out _))
            return cpu ? Quantity.CpuMillis(text) : Quantity.Whole(text);
        problems.Add(
            Problem.Invalid(
                field,
                $"'{text}' is not a quantity: write it as Kubernetes does, like "
                    + $"{(cpu ? "'250m' or '2'" : "'512Mi' or '10Gi'")}."
            )
        );
        return 0;
    }

    private static TemplateParameter Parameter(ParameterFile parameter, string field, List<Problem> problems)
    {
        if (!Enum.TryParse<ParameterType>(parameter.Type, ignoreCase: true, out var type) || !Enum.IsDefined(type))
            problems.Add(
                Problem.Invalid(
                    $"{field}.Type",
                    $"'{parameter.Type}' is not a parameter type: use "
                        + $"{string.Join(", ", Enum.GetNames<ParameterType>())}."
                )
            );
        return new TemplateParameter(
            parameter.Name ?? "",
            type,
            parameter.Default,
            parameter.AllowedValues ?? [],
            parameter.Required,
            parameter.Description?.Trim() ?? "",
            parameter.Pattern
        );
    }

    // The shapes of the file, as YamlDotNet fills them.
    private sealed class TemplateFile
    {
        public string? Name { get; set; }
        public string? DisplayName { get; set; }
        public string? Category { get; set; }
        public string? Icon { get; set; }
        public string? Description { get; set; }
        public bool Hidden { get; set; }
        public List<VersionFile>? Versions { get; set; }
        public List<PlanFile>? Plans { get; set; }
        public List<ParameterFile>? Parameters { get; set; }
        public List<PortFile>? Ports { get; set; }
        public List<CredentialFile>? Credentials { get; set; }
        public List<ConnectionStringFile>? ConnectionStrings { get; set; }
        public List<BindingVariableFile>? BindingVariables { get; set; }
        public string? Objects { get; set; }
    }

    private sealed class VersionFile
    {
        public string? Version { get; set; }
        public string? Image { get; set; }
        public string? MajorLine { get; set; }
        public bool Hidden { get; set; }
    }

    private sealed class PlanFile
    {
        public string? Name { get; set; }
        public string? DisplayName { get; set; }
        public string? CpuRequest { get; set; }
        public string? CpuLimit { get; set; }
        public string? MemoryRequest { get; set; }
        public string? MemoryLimit { get; set; }
        public string? Storage { get; set; }
        public int Replicas { get; set; } = 1;
        public int MaxReplicas { get; set; } = 1;
        public bool Hidden { get; set; }
    }

    private sealed class ParameterFile
    {
        public string? Name { get; set; }
        public string? Type { get; set; }
        public string? Default { get; set; }
        public List<string>? AllowedValues { get; set; }
        public bool Required { get; set; }
        public string? Pattern { get; set; }
        public string? Description { get; set; }
    }

    private sealed class PortFile
    {
        public string? Name { get; set; }
        public int Port { get; set; }
    }

    private sealed class CredentialFile
    {
        public string? Key { get; set; }
        public int Length { get; set; }
    }

    private sealed class ConnectionStringFile
    {
        public string? Label { get; set; }
        public string? Template { get; set; }
    }

    private sealed class BindingVariableFile
    {
        public string? Name { get; set; }
        public string? Value { get; set; }
        public string? SecretKey { get; set; }
    }
}
