using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Tenancy;

/// <summary>
/// The tenant the current request works in. Tenant-owned rows are filtered to it; when no tenant is bound,
/// tenant-owned queries return nothing unless they opt out of the filter on purpose.
/// </summary>
public sealed class TenantScope : ICurrentTenant
{
    public Tenant? Tenant { get; private set; }
    public Guid TenantId => Tenant?.Id ?? Guid.Empty;

    public void Bind(Tenant tenant)
    {
        if (Tenant is not null && Tenant.Id != tenant.Id)
            throw new InvalidOperationException("A request works in one tenant only.");
        Tenant = tenant;
    }
}
