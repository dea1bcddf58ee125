namespace Portal.Domain.Tenancy;

/// <summary>A user's role in one tenant.</summary>
public sealed class TenantMembership : ITenantOwned
{
    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid UserId { get; private set; }
    public TenantRole Role { get; private set; }
    public DateTime JoinedAt { get; private set; }

    private TenantMembership() { }

    public TenantMembership(Guid tenantId, Guid userId, TenantRole role, DateTime joinedAt)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        UserId = userId;
        Role = role;
        JoinedAt = joinedAt;
    }

    public void ChangeRole(TenantRole role) => Role = role;
}
