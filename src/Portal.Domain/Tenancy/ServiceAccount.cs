namespace Portal.Domain.Tenancy;

/// <summary>
/// A non-human member of a tenant that calls the API with OAuth client credentials. Its secret lives,
/// hashed, with the OpenID Connect client registration named by <see cref="ClientId"/>.
/// </summary>
public sealed class ServiceAccount : ITenantOwned
{
    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public TenantRole Role { get; private set; }
    public string ClientId { get; private set; } = "";
    public Guid CreatedBy { get; private set; }
    public DateTime CreatedAt { get; private set; }

    private ServiceAccount() { }

    public ServiceAccount(Guid tenantId, string name, TenantRole role, Guid createdBy, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        Name = name;
        Role = role;
        ClientId = $"sa-{Id:N}";
        CreatedBy = createdBy;
        CreatedAt = now;
    }
}
