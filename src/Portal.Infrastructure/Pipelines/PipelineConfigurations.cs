using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Applications;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Pipelines;

internal sealed class PipelineConfiguration : IEntityTypeConfiguration<Pipeline>
{
    public void Configure(EntityTypeBuilder<Pipeline> pipeline)
    {
        pipeline.ToTable("Pipelines");
        pipeline.Property(p => p.Name).HasMaxLength(PipelineLimits.NameMaxLength).IsRequired();
        pipeline.Property(p => p.Yaml).HasMaxLength(Pipeline.YamlMaxLength).IsRequired();
        pipeline.Property(p => p.Schedule).HasMaxLength(100);
        pipeline.Property(p => p.SealedWebhookSecret).HasMaxLength(1000).IsRequired();
        pipeline.Property(p => p.PolledSha).HasMaxLength(64);
        pipeline.Property(p => p.CreatedBy).HasMaxLength(256).IsRequired();
        pipeline.Property(p => p.ChangedBy).HasMaxLength(256).IsRequired();
        pipeline.HasOne<Application>().WithMany().HasForeignKey(p => p.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        pipeline.HasIndex(p => new { p.ApplicationId, p.Name }).IsUnique();
        pipeline.HasIndex(p => new { p.TenantId, p.Name });
        // The scheduler and the poller look for pipelines that have a schedule or poll.
        pipeline.HasIndex(p => p.Schedule);
        pipeline.HasIndex(p => p.PollEverySeconds);
    }
}

internal sealed class PipelineRunConfiguration : IEntityTypeConfiguration<PipelineRun>
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public void Configure(EntityTypeBuilder<PipelineRun> run)
    {
        run.ToTable("PipelineRuns");
        run.Property(r => r.State).HasConversion<string>().HasMaxLength(20);
        run.Property(r => r.DefinitionYaml).HasMaxLength(Pipeline.YamlMaxLength).IsRequired();
        run.Property(r => r.CommitSha).HasMaxLength(64);
        run.Property(r => r.Image).HasMaxLength(700);
        run.Property(r => r.Error).HasMaxLength(PipelineRun.ErrorMaxLength);
        run.Property(r => r.WaitingReason).HasMaxLength(500);
        run.Property(r => r.SupersededBy).HasMaxLength(100);
        // Every save checks that nobody saved the run since it was read: two jobs cannot both start a stage.
        run.Property(r => r.Version).IsConcurrencyToken();
        run.OwnsOne(
            r => r.Trigger,
            trigger =>
            {
                trigger.Property(t => t.Kind).HasColumnName("TriggerKind").HasConversion<string>().HasMaxLength(20);
                trigger.Property(t => t.Ref).HasColumnName("TriggerRef").HasMaxLength(255).IsRequired();
                trigger.Property(t => t.Sha).HasColumnName("TriggerSha").HasMaxLength(64);
                trigger.Property(t => t.By).HasColumnName("TriggerBy").HasMaxLength(256).IsRequired();
                trigger.Property(t => t.DeliveryId).HasColumnName("TriggerDeliveryId").HasMaxLength(200);
            }
        );
        run.Ignore(r => r.Stages);
        run.Ignore(r => r.ActiveStages);
        // The stages travel as one JSON document with their run: read and written with it, never queried alone.
        run.Property<List<RunStage>>("_stages")
            .HasColumnName("Stages")
            .HasConversion(
                stages => JsonSerializer.Serialize(stages, JsonOptions),
                json => JsonSerializer.Deserialize<List<RunStage>>(json, JsonOptions) ?? new List<RunStage>(),
                new ValueComparer<List<RunStage>>(
                    (a, b) => a!.SequenceEqual(b!),
                    stages => stages.Aggregate(0, (hash, stage) => HashCode.Combine(hash, stage.GetHashCode())),
                    stages => stages.ToList()
                )
            );
        run.HasOne<Pipeline>().WithMany().HasForeignKey(r => r.PipelineId).OnDelete(DeleteBehavior.Cascade);
        // A pipeline's runs, newest first, and the next number.
        run.HasIndex(r => new { r.PipelineId, r.Number }).IsUnique();
        // An application's runs and the tenant's, newest first, filtered by state.
        run.HasIndex(r => new { r.ApplicationId, r.CreatedAt });
        run.HasIndex(r => new { r.TenantId, r.CreatedAt });
        run.HasIndex(r => new
        {
            r.TenantId,
            r.State,
            r.CreatedAt,
        });
        // The dispatcher's queue and the sweeper's due runs.
        run.HasIndex(r => new { r.State, r.NextCheckAt });
    }
}

internal sealed class PipelineRunLogLineConfiguration : IEntityTypeConfiguration<PipelineRunLogLine>
{
    public void Configure(EntityTypeBuilder<PipelineRunLogLine> line)
    {
        line.ToTable("PipelineRunLogLines");
        line.Property(l => l.Stage).HasMaxLength(PipelineLimits.NameMaxLength).IsRequired();
        line.Property(l => l.Text).HasMaxLength(PipelineRunLogLine.TextMaxLength).IsRequired();
        line.HasOne<PipelineRun>().WithMany().HasForeignKey(l => l.RunId).OnDelete(DeleteBehavior.Cascade);
        line.HasIndex(l => new { l.RunId, l.Sequence }).IsUnique();
    }
}

internal sealed class RunQuotaConfiguration : IEntityTypeConfiguration<RunQuota>
{
    public void Configure(EntityTypeBuilder<RunQuota> quota)
    {
        quota.ToTable("RunQuotas");
        quota.HasKey(q => q.TenantId);
        quota.Property(q => q.ChangedBy).HasMaxLength(256).IsRequired();
        quota.HasOne<Tenant>().WithOne().HasForeignKey<RunQuota>(q => q.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> delivery)
    {
        delivery.ToTable("WebhookDeliveries");
        delivery.Property(d => d.Provider).HasConversion<string>().HasMaxLength(20);
        delivery.Property(d => d.DeliveryId).HasMaxLength(200).IsRequired();
        delivery.Property(d => d.Event).HasMaxLength(100).IsRequired();
        delivery.Property(d => d.Ref).HasMaxLength(255);
        delivery.Property(d => d.Sha).HasMaxLength(64);
        delivery.Property(d => d.Outcome).HasMaxLength(WebhookDelivery.OutcomeMaxLength).IsRequired();
        delivery.HasOne<Pipeline>().WithMany().HasForeignKey(d => d.PipelineId).OnDelete(DeleteBehavior.Cascade);
        // A delivery sent again is a replay: the same id is refused.
        delivery.HasIndex(d => new { d.PipelineId, d.DeliveryId }).IsUnique();
        delivery.HasIndex(d => new { d.PipelineId, d.ReceivedAt });
    }
}

internal sealed class PipelineRunChildConfiguration : IEntityTypeConfiguration<PipelineRunChild>
{
    public void Configure(EntityTypeBuilder<PipelineRunChild> child)
    {
        child.ToTable("PipelineRunChildren");
        child.HasKey(c => c.OperationId);
        child.Property(c => c.Stage).HasMaxLength(PipelineLimits.NameMaxLength).IsRequired();
        child.HasOne<PipelineRun>().WithMany().HasForeignKey(c => c.RunId).OnDelete(DeleteBehavior.Cascade);
        child.HasIndex(c => c.RunId);
    }
}
