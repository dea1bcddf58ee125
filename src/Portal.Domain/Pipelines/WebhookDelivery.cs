using Portal.Domain.Tenancy;

namespace Portal.Domain.Pipelines;

/// <summary>Which Git host sent a delivery, by the headers it signs it with.</summary>
public enum WebhookProvider
{
    GitHub = 1,
    GitLab = 2,
    Gitea = 3,
}

/// <summary>
/// A webhook delivery a pipeline accepted (its signature or token checked), kept by the host's delivery id so that the
/// same delivery sent again is refused as a replay, and so that the pipeline's page lists what arrived and what came of
/// it.
/// </summary>
public sealed class WebhookDelivery : ITenantOwned
{
    public const int OutcomeMaxLength = 500;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid PipelineId { get; private set; }
    public WebhookProvider Provider { get; private set; }
    public string DeliveryId { get; private set; } = "";
    public string Event { get; private set; } = "";
    public string? Ref { get; private set; }
    public string? Sha { get; private set; }
    public DateTime ReceivedAt { get; private set; }

    /// <summary>What came of it, in words ("started run 4", "ignored: branch 'dev' matches no pattern").</summary>
    public string Outcome { get; private set; } = "";
    public Guid? RunId { get; private set; }

    private WebhookDelivery() { }

    public WebhookDelivery(
        Guid tenantId,
        Guid pipelineId,
        WebhookProvider provider,
        string deliveryId,
        string @event,
        string? gitRef,
        string? sha,
        DateTime now
    )
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        PipelineId = pipelineId;
        Provider = provider;
        DeliveryId = deliveryId;
        Event = @event;
        Ref = gitRef;
        Sha = sha;
        ReceivedAt = now;
    }

    public void Came(string outcome, Guid? runId)
    {
        Outcome = outcome.Length <= OutcomeMaxLength ? outcome : outcome[..(OutcomeMaxLength - 1)] + "…";
        RunId = runId;
    }
}
