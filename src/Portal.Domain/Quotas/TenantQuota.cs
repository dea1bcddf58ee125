using Portal.Domain.Tenancy;

namespace Portal.Domain.Quotas;

/// <summary>What a tenant is granted in one pool, checked by <see cref="QuotaGrant"/> before it is kept.</summary>
public sealed class TenantQuota : ITenantOwned
{
    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid PoolId { get; private set; }
    public ResourceAmounts Granted { get; private set; }
    public DateTime ChangedAt { get; private set; }
    public string ChangedBy { get; private set; } = "";

    private TenantQuota() { }

    public TenantQuota(Guid tenantId, Guid poolId, ResourceAmounts granted, string grantedBy, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        PoolId = poolId;
        Granted = granted;
        ChangedBy = grantedBy;
        ChangedAt = now;
    }

    public void Change(ResourceAmounts granted, string changedBy, DateTime now)
    {
        Granted = granted;
        ChangedBy = changedBy;
        ChangedAt = now;
    }
}
