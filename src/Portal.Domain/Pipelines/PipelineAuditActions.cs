namespace Portal.Domain.Pipelines;

/// <summary>The actions of the audit trail about pipelines. The values are stored, so they never change.</summary>
public static class PipelineAuditActions
{
    public const string PipelineCreated = "pipeline.created";
    public const string PipelineChanged = "pipeline.changed";
    public const string PipelineDeleted = "pipeline.deleted";
    public const string WebhookSecretRotated = "pipeline.webhook-secret-rotated";
    public const string RunStarted = "pipeline-run.started";
    public const string RunCancelled = "pipeline-run.cancelled";
    public const string RunRetried = "pipeline-run.retried";
    public const string StageStartedManually = "pipeline-run.stage-started";
    public const string Approved = "pipeline-run.approved";
    public const string Rejected = "pipeline-run.rejected";
    public const string WebhookRefused = "pipeline.webhook-refused";
    public const string RunQuotaSet = "run-quota.set";
}
