namespace Portal.Domain.Applications;

/// <summary>The actions of the audit trail about applications. The values are stored, so they never change.</summary>
public static class ApplicationAuditActions
{
    public const string Created = "application.created";
    public const string Changed = "application.changed";
    public const string Deleted = "application.deleted";
    public const string Deployed = "application.deployed";
    public const string Scaled = "application.scaled";
    public const string Restarted = "application.restarted";
    public const string SpecReset = "application.spec-reset";
}
