namespace Portal.Domain.Environments;

/// <summary>The actions of the audit trail about environments. The values are stored, so they never change.</summary>
public static class EnvironmentAuditActions
{
    public const string Created = "environment.created";
    public const string ShareChanged = "environment.share-changed";
    public const string Deleted = "environment.deleted";

    /// <summary>An environment's namespace left as it was on deletion, not being the portal's.</summary>
    public const string NamespaceKept = "environment.namespace-kept";
    public const string DriftRepaired = "environment.drift-repaired";
    public const string DriftRefused = "environment.drift-refused";
}
