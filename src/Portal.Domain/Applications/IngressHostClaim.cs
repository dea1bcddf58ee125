using Portal.Domain.Tenancy;

namespace Portal.Domain.Applications;

/// <summary>
/// A host name held by one tenant, across every cluster: no other tenant may publish it, whatever the path. Claimed by
/// a deploy's admission, in its transaction; a claim left without routes (its applications deleted or moved to other
/// hosts, its environments deleted) is free for anyone to claim.
/// </summary>
public sealed class IngressHostClaim : ITenantOwned
{
    public const int HostMaxLength = 253;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Host { get; private set; } = "";
    public DateTime ClaimedAt { get; private set; }

    private IngressHostClaim() { }

    public IngressHostClaim(Guid tenantId, string host, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        Host = host;
        ClaimedAt = now;
    }
}

/// <summary>
/// A path of a held host, published by one application in one environment. One application may publish the same
/// host and path in several environments (its spec is one for all of them); another application may not.
/// </summary>
public sealed class IngressRouteClaim : ITenantOwned
{
    public const int PathMaxLength = DeploymentSpec.IngressPathMaxLength;

    public Guid Id { get; private set; }
    public Guid HostClaimId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public Guid EnvironmentId { get; private set; }
    public string Path { get; private set; } = "";
    public DateTime ClaimedAt { get; private set; }

    private IngressRouteClaim() { }

    public IngressRouteClaim(IngressHostClaim host, Guid applicationId, Guid environmentId, string path, DateTime now)
    {
        Id = Guid.NewGuid();
        HostClaimId = host.Id;
        TenantId = host.TenantId;
        ApplicationId = applicationId;
        EnvironmentId = environmentId;
        Path = path;
        ClaimedAt = now;
    }
}
