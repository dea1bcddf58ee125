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
public sealed class TenantEnvironment : ITenantOwned
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

    public static Result<TenantEnvironment> Create(Tenant tenant, Guid poolId, string? name, ResourceAmounts share, DateTime now)
    {
        var validName = TenantSlug.Create(name, "Name");
        if (!validName.Succeeded)
            return Problem.Invalid("Name", validName.Problem!.Message.Replace("slug", "environment name", StringComparison.Ordinal));
        if (validName.Value.Value.Length > NameMaxLength)
            return Problem.Invalid("Name", $"An environment name has at most {NameMaxLength} characters.");
        var shape = share.Validate("Share");
        if (!shape.Succeeded)
            return shape.Problem!;
        return new TenantEnvironment
        {
            Id = Guid.NewGuid(), TenantId = tenant.Id, PoolId = poolId, Name = validName.Value.Value,
            Namespace = NamespaceName.For(tenant.Slug, validName.Value.Value), Share = share,
            State = EnvironmentState.Provisioning, CreatedAt = now,
        };
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
}
