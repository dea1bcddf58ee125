using System.Text.RegularExpressions;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Environments;

public enum EnvironmentState
{
    Provisioning = 1,
    Ready = 2,
    Failed = 3,
    Deleting = 4,
}

/// <summary>
/// A tenant's environment (dev, test, prod — names are free): one namespace in one pool, with a share of
/// the tenant's quota there that the namespace's ResourceQuota enforces.
/// </summary>
public sealed partial class TenantEnvironment : ITenantOwned
{
    public const int NameMaxLength = 20;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid PoolId { get; private set; }
    public string Name { get; private set; } = "";
    public string Namespace { get; private set; } = "";
    public ResourceAmounts Share { get; private set; }
    public EnvironmentState State { get; private set; }
    public DateTime CreatedAt { get; private set; }

    /// <summary>
    /// Moves with every admission of a workload into the environment, first thing in the admission's transaction: the
    /// update holds the environment's row until the admission is saved, so admissions into one share queue one behind
    /// the other instead of overdrawing it together.
    /// </summary>
    public int AdmissionStamp { get; private set; }

    private TenantEnvironment() { }

    /// <summary>Validates the name and the share together, so that a form shows both problems at once.</summary>
    public static Result<TenantEnvironment> Create(
        Tenant tenant,
        Guid poolId,
        string? name,
        ResourceAmounts share,
        DateTime now
    )
    {
        var problems = new List<Problem>();
        if (NameProblem(name) is { } nameProblem)
            problems.Add(nameProblem);
        var shape = share.Validate("Share");
        if (!shape.Succeeded)
            problems.Add(shape.Problem!);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        var validName = name!.Trim();
        return new TenantEnvironment
        {
            Id = Guid.NewGuid(),
            TenantId = tenant.Id,
            PoolId = poolId,
            Name = validName,
            Namespace = NamespaceName.For(tenant.Slug, validName),
            Share = share,
            State = EnvironmentState.Provisioning,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// Words of the portal's own addresses where an environment's name goes ("/t/{tenant}/middleware/catalog/…").
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(
        ["catalog", "new"],
        StringComparer.Ordinal
    );

    /// <summary>
    /// What is wrong with an environment's name, on the field "Name", or null. It is the second half of the namespace
    /// "{tenant}-{environment}", so it follows the rule of a tenant's slug, a DNS-1123 label, in at most
    /// <see cref="NameMaxLength"/> characters.
    /// </summary>
    public static Problem? NameProblem(string? name)
    {
        var value = name?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid("Name", "An environment needs a name, like 'dev' or 'prod'.");
        if (value.Length is < 2 or > NameMaxLength)
        {
            return Problem.Invalid(
                "Name",
                $"An environment name has 2 to {NameMaxLength} characters; "
                    + $"'{(value.Length <= 40 ? value : value[..40] + "…")}' has "
                    + $"{value.Length}."
            );
        }

        if (!NamePattern().IsMatch(value))
        {
            return Problem.Invalid(
                "Name",
                $"'{value}' is not a valid environment name: use lowercase letters, "
                    + "digits and '-', starting with a letter and ending with a letter or "
                    + "digit (like 'prod' or 'test-eu')."
            );
        }

        if (value.Contains("--", StringComparison.Ordinal))
            return Problem.Invalid(
                "Name",
                $"'{value}' is not a valid environment name: it may not contain two '-' in a row."
            );
        if (ReservedNames.Contains(value))
        {
            return Problem.Invalid(
                "Name",
                $"'{value}' is reserved: the portal's own pages use it where an "
                    + $"environment's name goes (/t/{{tenant}}/middleware/{value}/…). Choose "
                    + "another name."
            );
        }

        return null;
    }

    public Result ChangeShare(ResourceAmounts share)
    {
        var shape = share.Validate("Share");
        if (!shape.Succeeded)
            return shape;
        Share = share;
        State = EnvironmentState.Provisioning;
        return Result.Ok();
    }

    public void MarkDeleting() => State = EnvironmentState.Deleting;

    public void MarkReady() => State = EnvironmentState.Ready;

    public void MarkFailed() => State = EnvironmentState.Failed;

    [GeneratedRegex("\\A[a-z]([a-z0-9-]*[a-z0-9])?\\z")]
    private static partial Regex NamePattern();
}
