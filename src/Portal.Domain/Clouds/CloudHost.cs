using System.Security.Cryptography;
using Portal.Domain.Common;

namespace Portal.Domain.Clouds;

public enum CloudHostState
{
    /// <summary>Its provisioning operation is queued or running.</summary>
    Provisioning = 1,

    /// <summary>Its provisioning failed at a step: retry resumes it, abandon cleans up what was made.</summary>
    Failed = 2,

    /// <summary>Its node joined, is Ready and labelled into the pool.</summary>
    Ready = 3,
    Decommissioning = 4,
    Decommissioned = 5,
    Abandoning = 6,
    Abandoned = 7,
}

/// <summary>
/// A machine the portal made (or claimed) for a pool from a template: where it came from, what the provider said of it,
/// and where its provisioning or decommissioning stands. Its node, once joined, is in the hosts inventory under
/// <see cref="Name"/>. The template's choices are copied, so the record stays true when the template changes or goes.
/// </summary>
public sealed class CloudHost
{
    public Guid Id { get; private set; }
    public Guid PoolId { get; private set; }
    public Guid ClusterId { get; private set; }
    public Guid AccountId { get; private set; }
    public Guid TemplateId { get; private set; }
    public CloudKind Kind { get; private set; }
    public string AccountName { get; private set; } = "";
    public string TemplateName { get; private set; } = "";

    /// <summary>The node's name, and the instance's.</summary>
    public string Name { get; private set; } = "";
    public string Region { get; private set; } = "";
    public string Zone { get; private set; } = "";
    public string InstanceType { get; private set; } = "";
    public int Cpus { get; private set; }
    public int MemoryMiB { get; private set; }
    public string Image { get; private set; } = "";
    public int SystemDiskGiB { get; private set; }
    public string? InstanceId { get; private set; }
    public string? PrivateAddress { get; private set; }
    public string? PublicAddress { get; private set; }
    public DateTime? InstanceCreatedAt { get; private set; }

    /// <summary>
    /// The id half of its bootstrap token (the secret half is only in <see cref="SealedBootstrapToken"/>).
    /// </summary>
    public string? BootstrapTokenId { get; private set; }

    /// <summary>Its whole bootstrap token, sealed, until the node joined and the token was revoked.</summary>
    public string? SealedBootstrapToken { get; private set; }
    public CloudHostState State { get; private set; }

    /// <summary>The operation that provisions, decommissions or abandons it now (or did last).</summary>
    public Guid OperationId { get; private set; }
    public string RequestedBy { get; private set; } = "";
    public DateTime RequestedAt { get; private set; }
    public DateTime? ReadyAt { get; private set; }
    public string? DecommissionedBy { get; private set; }
    public DateTime? EndedAt { get; private set; }

    private CloudHost() { }

    public static CloudHost Plan(
        Guid poolId,
        string poolName,
        Guid clusterId,
        CloudAccount account,
        HostTemplate template,
        string requestedBy,
        DateTime now
    ) =>
        new()
        {
            Id = Guid.NewGuid(),
            PoolId = poolId,
            ClusterId = clusterId,
            AccountId = account.Id,
            TemplateId = template.Id,
            Kind = account.Kind,
            AccountName = account.Name,
            TemplateName = template.Name,
            Name = NodeName(poolName),
            Region = template.Region,
            Zone = template.Zone,
            InstanceType = template.InstanceType,
            Cpus = template.Cpus,
            MemoryMiB = template.MemoryMiB,
            Image = template.Image,
            SystemDiskGiB = template.SystemDiskGiB,
            State = CloudHostState.Provisioning,
            RequestedBy = requestedBy,
            RequestedAt = now,
        };

    /// <summary>
    /// Whether the host holds, or is about to hold, a place in its pool (what the pool's maximum counts).
    /// </summary>
    public bool Counts =>
        State
            is CloudHostState.Provisioning
                or CloudHostState.Failed
                or CloudHostState.Ready
                or CloudHostState.Decommissioning
                or CloudHostState.Abandoning;

    public void StartedBy(Guid operationId) => OperationId = operationId;

    public void BootstrapWith(string tokenId, string sealedToken)
    {
        BootstrapTokenId = tokenId;
        SealedBootstrapToken = sealedToken;
    }

    public void BootstrapRevoked() => SealedBootstrapToken = null;

    public void Created(string instanceId, DateTime? createdAt)
    {
        InstanceId = instanceId;
        InstanceCreatedAt = createdAt;
    }

    public void Addressed(string? privateAddress, string? publicAddress)
    {
        PrivateAddress = privateAddress;
        PublicAddress = publicAddress;
    }

    public void Joined(DateTime now)
    {
        State = CloudHostState.Ready;
        ReadyAt = now;
    }

    public void ProvisioningFailed()
    {
        if (State == CloudHostState.Provisioning)
            State = CloudHostState.Failed;
    }

    public Result Retry()
    {
        if (State != CloudHostState.Failed)
            return Problem.Conflict($"Only a host whose provisioning failed can be retried; '{Name}' is {State}.");
        State = CloudHostState.Provisioning;
        return Result.Ok();
    }

    public Result Abandon(Guid operationId)
    {
        if (State != CloudHostState.Failed)
            return Problem.Conflict(
                $"Only a host whose provisioning failed can be abandoned; '{Name}' is {State}. "
                    + "Decommission a Ready host instead."
            );
        State = CloudHostState.Abandoning;
        OperationId = operationId;
        return Result.Ok();
    }

    public Result Decommission(Guid operationId, string by)
    {
        if (State is not (CloudHostState.Ready or CloudHostState.Decommissioning))
            return Problem.Conflict($"Only a Ready host can be decommissioned; '{Name}' is {State}.");
        State = CloudHostState.Decommissioning;
        OperationId = operationId;
        DecommissionedBy = by;
        return Result.Ok();
    }

    public void Ended(DateTime now)
    {
        State = State == CloudHostState.Abandoning ? CloudHostState.Abandoned : CloudHostState.Decommissioned;
        SealedBootstrapToken = null;
        EndedAt = now;
    }

    /// <summary>"{pool}-{5 random letters or digits}", a valid node name of at most 63 characters.</summary>
    private static string NodeName(string poolName)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var suffix = string.Concat(Enumerable.Range(0, 5).Select(_ => alphabet[RandomNumberGenerator.GetInt32(36)]));
        var prefix = poolName.Length > 56 ? poolName[..56].TrimEnd('-') : poolName;
        return $"{prefix}-{suffix}";
    }
}
