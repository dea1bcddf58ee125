namespace Portal.Domain.Tenancy;

/// <summary>A row that belongs to one tenant; queries see it only while that tenant is in scope.</summary>
public interface ITenantOwned
{
    Guid TenantId { get; }
}
