using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Pipelines;

/// <summary>
/// An application's pipeline: its definition kept as the YAML its editor shows (the form writes the same YAML), what
/// triggers read from it without parsing it (schedule, polling), and its webhook's secret, sealed.
/// </summary>
public sealed class Pipeline : ITenantOwned
{
    public const int YamlMaxLength = 64_000;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public string Name { get; private set; } = "";
    public string Yaml { get; private set; } = "";

    /// <summary>The cron expression of the definition's schedule, for the scheduler's query.</summary>
    public string? Schedule { get; private set; }

    /// <summary>How often the source's branch is polled, for the poller's query; null when it is not.</summary>
    public int? PollEverySeconds { get; private set; }

    /// <summary>The webhook's secret, sealed by the key ring; shown once when made, never again.</summary>
    public string SealedWebhookSecret { get; private set; } = "";
    public DateTime WebhookSecretSetAt { get; private set; }

    /// <summary>
    /// The commit the poller saw last on the source's branch, so that it starts a run only for a new one.
    /// </summary>
    public string? PolledSha { get; private set; }
    public DateTime? PolledAt { get; private set; }

    /// <summary>
    /// When the schedule last started a run (or the pipeline was saved): the next run is due after it.
    /// </summary>
    public DateTime ScheduledFrom { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public string ChangedBy { get; private set; } = "";
    public DateTime ChangedAt { get; private set; }

    private Pipeline() { }

    public static Result<Pipeline> Create(
        Guid tenantId,
        Guid applicationId,
        string? name,
        string yaml,
        PipelineDefinition definition,
        string sealedSecret,
        string by,
        DateTime now
    )
    {
        var valid = PipelineName.Check(name);
        if (!valid.Succeeded)
            return valid.Problem!;
        var pipeline = new Pipeline
        {
            Id = Guid.NewGuid(),
            TenantId = tenantId,
            ApplicationId = applicationId,
            Name = valid.Value,
            SealedWebhookSecret = sealedSecret,
            WebhookSecretSetAt = now,
            CreatedBy = by,
            CreatedAt = now,
        };
        pipeline.Change(yaml, definition, by, now);
        return pipeline;
    }

    public void Change(string yaml, PipelineDefinition definition, string by, DateTime now)
    {
        Yaml = yaml;
        if (Schedule != definition.Triggers.Schedule)
            ScheduledFrom = now;
        Schedule = definition.Triggers.Schedule;
        PollEverySeconds = definition.Triggers.PollEvery is { } every ? (int)every.TotalSeconds : null;
        ChangedBy = by;
        ChangedAt = now;
    }

    public void RotateWebhookSecret(string sealedSecret, string by, DateTime now)
    {
        SealedWebhookSecret = sealedSecret;
        WebhookSecretSetAt = now;
        ChangedBy = by;
        ChangedAt = now;
    }

    public bool IsPollDue(DateTime now) =>
        PollEverySeconds is { } every && (PolledAt is null || now - PolledAt >= TimeSpan.FromSeconds(every));

    public void Polled(string? sha, DateTime now)
    {
        PolledSha = sha ?? PolledSha;
        PolledAt = now;
    }

    public void Scheduled(DateTime at) => ScheduledFrom = at;
}

/// <summary>A pipeline's name: a DNS label, unique within its application.</summary>
public static class PipelineName
{
    public static Result<string> Check(string? name, string field = "Name")
    {
        var value = name?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(field, "A pipeline needs a name, such as 'main' or 'release'.");
        if (!Applications.KubernetesSyntax.IsDns1123Label(value) || value.Length > PipelineLimits.NameMaxLength)
            return Problem.Invalid(
                field,
                $"'{value}' is not a pipeline name: lower-case letters, digits and '-', starting with a letter or "
                    + $"digit, at most {PipelineLimits.NameMaxLength} characters."
            );
        return value;
    }
}
