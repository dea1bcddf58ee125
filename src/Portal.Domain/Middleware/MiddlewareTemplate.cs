using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Domain.Middleware;

[JsonConverter(typeof(JsonStringEnumConverter<MiddlewareCategory>))]
public enum MiddlewareCategory
{
    Database,
    Cache,
    MessageQueue,
    Search,
    Coordination,
}

/// <summary>
/// Proves that a definition renders into objects a cluster accepts, for every version and plan; the infrastructure
/// implements it with the templating library. Empty when it does.
/// </summary>
public interface ITemplateCheck
{
    IReadOnlyList<Problem> Check(string templateName, TemplateDefinition definition);
}

/// <summary>
/// A middleware in the catalog, like PostgreSQL or Redis: how it is shown (name, category, icon, description) and what
/// it is (<see cref="Definition"/>). Templates are data a platform admin changes; every change that touches the
/// definition is validated whole and proven to render (<see cref="ITemplateCheck"/>) before it is taken, so a stored
/// template is always one an instance can be provisioned from. Versions and plans are never removed, only hidden,
/// because instances run on them.
/// </summary>
public sealed partial class MiddlewareTemplate
{
    public const int NameMaxLength = 30;
    public const int DisplayNameMaxLength = 60;
    public const int IconMaxLength = 50;
    public const int DescriptionMaxLength = 2000;

    public Guid Id { get; private set; }

    /// <summary>
    /// A DNS-1123 label starting with a letter, like "postgresql"; it labels every object of an instance.
    /// </summary>
    public string Name { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public MiddlewareCategory Category { get; private set; }

    /// <summary>A Bootstrap Icons name, like "database".</summary>
    public string Icon { get; private set; } = "";
    public string Description { get; private set; } = "";

    /// <summary>A hidden template is not offered for new instances; those that exist keep running.</summary>
    public bool Hidden { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }
    public TemplateDefinition Definition { get; private set; } = new();

    private MiddlewareTemplate() { }

    /// <summary>
    /// Validates the details and the definition together, so that a form shows every problem at once.
    /// </summary>
    public static Result<MiddlewareTemplate> Create(
        string? name,
        string? displayName,
        MiddlewareCategory category,
        string? icon,
        string? description,
        TemplateDefinition definition,
        ITemplateCheck check,
        DateTime now,
        bool hidden = false
    )
    {
        var problems = new List<Problem>();
        if (
            string.IsNullOrEmpty(name)
            || name.Length > NameMaxLength
            || !KubernetesSyntax.IsDns1123Label(name)
            || !char.IsAsciiLetterLower(name[0])
        )
        {
            problems.Add(
                Problem.Invalid(
                    nameof(Name),
                    $"'{name}' is not a valid template name: use up to {NameMaxLength} "
                        + "lowercase letters, digits and '-', starting with a letter, like "
                        + "'postgresql'."
                )
            );
        }

        problems.AddRange(ValidateDetails(displayName, category, icon, description));
        var definitionProblems = InDefinition(definition.Validate());
        problems.AddRange(definitionProblems);
        if (problems.Count == 0)
            problems.AddRange(InDefinition(check.Check(name!, definition)));
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new MiddlewareTemplate
        {
            Id = Guid.NewGuid(),
            Name = name!,
            DisplayName = displayName!.Trim(),
            Category = category,
            Icon = icon!,
            Description = description?.Trim() ?? "",
            Hidden = hidden,
            CreatedAt = now,
            UpdatedAt = now,
            Definition = definition,
        };
    }

    public Result ChangeDetails(
        string? displayName,
        MiddlewareCategory category,
        string? icon,
        string? description,
        DateTime now
    )
    {
        var problems = ValidateDetails(displayName, category, icon, description).ToList();
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        DisplayName = displayName!.Trim();
        Category = category;
        Icon = icon!;
        Description = description?.Trim() ?? "";
        UpdatedAt = now;
        return Result.Ok();
    }

    /// <summary>
    /// Takes a new definition as a whole (an admin's edit, or a catalog file read again). Every version and plan of the
    /// current one must still be there, under the same name: instances run on them.
    /// </summary>
    public Result ChangeDefinition(TemplateDefinition definition, ITemplateCheck check, DateTime now)
    {
        var problems = new List<Problem>();
        foreach (var version in Definition.Versions.Where(v => definition.FindVersion(v.Version) is null))
            problems.Add(
                Problem.Invalid(
                    "Definition.Versions",
                    $"Version {version.Version} cannot be removed, because instances may run on it; hide it instead."
                )
            );
        foreach (var plan in Definition.Plans.Where(p => definition.FindPlan(p.Name) is null))
            problems.Add(
                Problem.Invalid(
                    "Definition.Plans",
                    $"Plan '{plan.Name}' cannot be removed, because instances may use it; hide it instead."
                )
            );
        return problems.Count > 0 ? Problem.Invalid(problems) : Take(definition, check, now);
    }

    /// <summary>Adds a version; problems name the fields of the version ("Image", "MajorLine").</summary>
    public Result AddVersion(TemplateVersion version, ITemplateCheck check, DateTime now) =>
        Take(
            Definition.WithVersion(version),
            check,
            now,
            $"{nameof(TemplateDefinition.Versions)}[{Definition.Versions.Count}]."
        );

    /// <summary>Adds a plan; problems name the fields of the plan ("CpuLimit", "Storage").</summary>
    public Result AddPlan(TemplatePlan plan, ITemplateCheck check, DateTime now) =>
        Take(Definition.WithPlan(plan), check, now, $"{nameof(TemplateDefinition.Plans)}[{Definition.Plans.Count}].");

    /// <summary>
    /// Stops offering a version to new instances; the last visible version cannot go (hide the template instead).
    /// </summary>
    public Result HideVersion(string version, DateTime now) => SetVersionHidden(version, true, now);

    public Result ShowVersion(string version, DateTime now) => SetVersionHidden(version, false, now);

    /// <summary>
    /// Stops offering a plan to new instances; the last visible plan cannot go (hide the template instead).
    /// </summary>
    public Result HidePlan(string plan, DateTime now) => SetPlanHidden(plan, true, now);

    public Result ShowPlan(string plan, DateTime now) => SetPlanHidden(plan, false, now);

    public void Hide(DateTime now) => SetHidden(true, now);

    public void Show(DateTime now) => SetHidden(false, now);

    public IReadOnlyList<TemplateVersion> VisibleVersions() => Definition.VisibleVersions();

    public IReadOnlyList<TemplatePlan> VisiblePlans() => Definition.VisiblePlans();

    public TemplateVersion? LatestVersion() => Definition.LatestVersion();

    public TemplatePlan? DefaultPlan() => Definition.DefaultPlan();

    public TemplateVersion? FindVersion(string? version) => Definition.FindVersion(version);

    public TemplatePlan? FindPlan(string? name) => Definition.FindPlan(name);

    /// <summary>
    /// Whether an instance on <paramref name="from"/> may move to <paramref name="to"/>: a visible version of the same
    /// major line, newer when compared number by number. An instance on a hidden version may still upgrade from it.
    /// </summary>
    public Result CheckUpgrade(string from, string to)
    {
        if (FindVersion(from) is not { } current)
            return Problem.NotFound($"Version {from} of {DisplayName}");
        if (FindVersion(to) is not { } target)
            return Problem.NotFound($"Version {to} of {DisplayName}");
        if (target.Hidden)
            return Problem.Invalid("Version", $"Version {to} is no longer offered.");
        if (target.MajorLine != current.MajorLine)
        {
            return Problem.Invalid(
                "Version",
                $"Version {to} is of the {target.MajorLine} line and the instance runs "
                    + $"the {current.MajorLine} line; upgrades stay within a major line."
            );
        }

        if (VersionOrder.Compare(to, from) <= 0)
            return Problem.Invalid("Version", $"Version {to} is not newer than {from}.");
        return Result.Ok();
    }

    public bool CanUpgrade(string from, string to) => CheckUpgrade(from, to).Succeeded;

    /// <summary>The versions an instance on <paramref name="from"/> may upgrade to, newest first.</summary>
    public IReadOnlyList<TemplateVersion> UpgradeTargets(string from) =>
        VisibleVersions().Where(v => CanUpgrade(from, v.Version)).ToList();

    /// <summary>
    /// Validates the parameter values a developer gave; problems carry the field "Parameters.{name}".
    /// </summary>
    public IReadOnlyList<Problem> ValidateParameters(IReadOnlyDictionary<string, string?> values) =>
        Definition.ValidateParameters(values);

    public Result<IReadOnlyDictionary<string, string>> ResolveParameters(IReadOnlyDictionary<string, string?> values) =>
        Definition.ResolveParameters(values);

    private Result Take(TemplateDefinition definition, ITemplateCheck check, DateTime now, string? focus = null)
    {
        var problems = definition.Validate();
        if (problems.Count == 0)
            problems = check.Check(Name, definition);
        if (problems.Count > 0)
            return Problem.Invalid(problems.Select(p => Focus(p, focus)).ToList());
        Definition = definition;
        UpdatedAt = now;
        return Result.Ok();
    }

    /// <summary>
    /// A problem of the item being added names its own fields ("Image"); any other names its place in the definition.
    /// </summary>
    private static Problem Focus(Problem problem, string? focus) =>
        focus is not null && problem.Field is { } field && field.StartsWith(focus, StringComparison.Ordinal)
            ? problem with
            {
                Field = field[focus.Length..],
            }
            : InDefinition(problem);

    private static Problem InDefinition(Problem problem) =>
        problem with
        {
            Field = problem.Field is null ? "Definition" : $"Definition.{problem.Field}",
        };

    private static List<Problem> InDefinition(IReadOnlyList<Problem> problems) =>
        problems.Select(InDefinition).ToList();

    private Result SetVersionHidden(string version, bool hidden, DateTime now)
    {
        if (FindVersion(version) is not { } found)
            return Problem.NotFound($"Version {version} of {DisplayName}");
        if (hidden && !found.Hidden && VisibleVersions().Count == 1)
            return Problem.Conflict(
                $"Version {version} is the last one offered; hide the template instead.",
                "Version"
            );
        Definition = Definition with
        {
            Versions = Definition.Versions.Select(v => v == found ? v with { Hidden = hidden } : v).ToList(),
        };
        UpdatedAt = now;
        return Result.Ok();
    }

    private Result SetPlanHidden(string plan, bool hidden, DateTime now)
    {
        if (FindPlan(plan) is not { } found)
            return Problem.NotFound($"Plan '{plan}' of {DisplayName}");
        if (hidden && !found.Hidden && VisiblePlans().Count == 1)
            return Problem.Conflict($"Plan '{plan}' is the last one offered; hide the template instead.", "Plan");
        Definition = Definition with
        {
            Plans = Definition.Plans.Select(p => p == found ? p with { Hidden = hidden } : p).ToList(),
        };
        UpdatedAt = now;
        return Result.Ok();
    }

    private void SetHidden(bool hidden, DateTime now)
    {
        if (Hidden == hidden)
            return;
        Hidden = hidden;
        UpdatedAt = now;
    }

    private static IEnumerable<Problem> ValidateDetails(
        string? displayName,
        MiddlewareCategory category,
        string? icon,
        string? description
    )
    {
        if (string.IsNullOrWhiteSpace(displayName))
            yield return Problem.Invalid(
                nameof(DisplayName),
                "Give the template a name people read, like 'PostgreSQL'."
            );
        else if (displayName.Trim().Length > DisplayNameMaxLength)
            yield return Problem.Invalid(
                nameof(DisplayName),
                $"A display name has at most {DisplayNameMaxLength} characters."
            );
        if (!Enum.IsDefined(category))
            yield return Problem.Invalid(
                nameof(Category),
                "Choose a category: database, cache, message queue, search or coordination."
            );
        if (string.IsNullOrEmpty(icon) || icon.Length > IconMaxLength || !IconName().IsMatch(icon))
            yield return Problem.Invalid(
                nameof(Icon),
                $"'{icon}' is not a Bootstrap Icons name: use lowercase letters, digits and '-', like 'database'."
            );
        if (description is { Length: > DescriptionMaxLength })
            yield return Problem.Invalid(
                nameof(Description),
                $"A description has at most {DescriptionMaxLength} characters."
            );
    }

    [GeneratedRegex("\\A[a-z0-9]+(-[a-z0-9]+)*\\z")]
    private static partial Regex IconName();
}
