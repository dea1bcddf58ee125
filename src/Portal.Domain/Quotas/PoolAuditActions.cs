namespace Portal.Domain.Quotas;

/// <summary>
/// The actions of the audit trail about resource pools and tenants' quotas in them. The values are stored, so they
/// never change.
/// </summary>
public static class PoolAuditActions
{
    public const string Created = "pool.created";
    public const string OvercommitChanged = "pool.overcommit-changed";
    public const string Dedicated = "pool.dedicated";
    public const string Undedicated = "pool.undedicated";
    public const string IngressChanged = "pool.ingress-changed";
    public const string MetricsSourceChanged = "pool.metrics-source-changed";
    public const string TaintRequested = "pool.taint-requested";
    public const string NodesTainted = "pool.nodes-tainted";

    public const string QuotaGranted = "quota.granted";
    public const string QuotaChanged = "quota.changed";
}
