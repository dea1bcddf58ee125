using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

/// <summary>A member's role in a tenant. The order matters: each role can do what the ones below it can.</summary>
public enum TenantRole
{
    Viewer = 1,
    Developer = 2,
    TenantAdmin = 3,
}

public static class TenantRoles
{
    public static IReadOnlyList<TenantRole> All { get; } =
    [TenantRole.TenantAdmin, TenantRole.Developer, TenantRole.Viewer];

    public static Result<TenantRole> Parse(string? input, string field = "Role")
    {
        foreach (var role in All)
        {
            if (string.Equals(role.ToString(), input?.Trim(), StringComparison.OrdinalIgnoreCase))
                return role;
        }
        return Problem.Invalid(field, $"'{input}' is not a role. Choose one of: {string.Join(", ", All)}.");
    }

    public static bool Allows(this TenantRole held, TenantRole required) => held >= required;

    public static string Describe(this TenantRole role) =>
        role switch
        {
            TenantRole.TenantAdmin => "Manages members, service accounts, quotas and everything a developer does.",
            TenantRole.Developer => "Deploys and operates the tenant's applications and middleware.",
            _ => "Reads everything in the tenant, changes nothing.",
        };
}
