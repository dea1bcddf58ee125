namespace Portal.Domain.Monitoring;

/// <summary>What a series of samples is about.</summary>
public enum SubjectKind
{
    /// <summary>A whole cluster: sums over its nodes and pods.</summary>
    Cluster,
    Node,

    /// <summary>A namespace; for a tenant's environment it carries the environment and its quota use.</summary>
    Namespace,

    /// <summary>The pods of one application or middleware instance in one namespace.</summary>
    Workload,
    Pod,
}

/// <summary>
/// One thing the portal keeps a time series for: a cluster, a node, a namespace, a workload or a pod. Samples refer to
/// it by a small number, so that the sample tables stay narrow; the tenant and environment are kept here so that a
/// tenant's charts and alerts are found without joins.
/// </summary>
public sealed class MetricSubject
{
    public long Id { get; private set; }
    public SubjectKind Kind { get; private set; }
    public Guid ClusterId { get; private set; }

    /// <summary>"" for clusters and nodes.</summary>
    public string Namespace { get; private set; } = "";

    /// <summary>
    /// The node, workload or pod name; the cluster's name for a cluster; the namespace for a namespace.
    /// </summary>
    public string Name { get; private set; } = "";
    public Guid? TenantId { get; private set; }
    public Guid? EnvironmentId { get; private set; }

    /// <summary>
    /// Unix seconds of its newest sample: subjects not sampled for the whole retention are forgotten.
    /// </summary>
    public long LastSampledAt { get; private set; }

    private MetricSubject() { }

    public MetricSubject(
        SubjectKind kind,
        Guid clusterId,
        string @namespace,
        string name,
        Guid? tenantId,
        Guid? environmentId
    )
    {
        Kind = kind;
        ClusterId = clusterId;
        Namespace = @namespace;
        Name = name;
        TenantId = tenantId;
        EnvironmentId = environmentId;
    }

    public SubjectKey Key => new(Kind, ClusterId, Namespace, Name);

    /// <summary>Whose it is now: a namespace may come to belong to an environment after its first sample.</summary>
    public void BelongsTo(Guid? tenantId, Guid? environmentId)
    {
        TenantId = tenantId;
        EnvironmentId = environmentId;
    }

    public void Sampled(long at) => LastSampledAt = at;
}

/// <summary>How a subject is recognised from one sampling to the next.</summary>
public readonly record struct SubjectKey(SubjectKind Kind, Guid ClusterId, string Namespace, string Name);
