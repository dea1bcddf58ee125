using Portal.Domain.Environments;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// Whose a cluster object is: the tenant and the environment by id, which is what the portal matches on, and by name
/// for people reading the labels. Every object the portal makes for an environment carries these labels; a slug can be
/// reused after its tenant is deleted and two tenants' names can join into the same namespace, so no object is ever
/// tied to a tenant by its slug alone.
/// </summary>
public sealed record Ownership(Guid TenantId, string Tenant, Guid EnvironmentId, string Environment)
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string TenantIdLabel = "portal/tenant-id";
    public const string EnvironmentIdLabel = "portal/environment-id";

    /// <summary>The tenant's slug: for people only.</summary>
    public const string TenantLabel = "portal/tenant";

    /// <summary>The environment's name: for people only.</summary>
    public const string EnvironmentLabel = "portal/environment";

    public static Ownership Of(TenantEnvironment environment, string tenantSlug) =>
        new(environment.TenantId, tenantSlug, environment.Id, environment.Name);

    public Dictionary<string, string> Labels() =>
        new()
        {
            [ManagedByLabel] = EnvironmentProvisioner.ManagedBy,
            [TenantLabel] = Tenant,
            [EnvironmentLabel] = Environment,
            [TenantIdLabel] = TenantId.ToString(),
            [EnvironmentIdLabel] = EnvironmentId.ToString(),
        };

    /// <summary>The namespace selector of every namespace of the tenant.</summary>
    public Dictionary<string, string> TenantSelector() => new() { [TenantIdLabel] = TenantId.ToString() };
}
