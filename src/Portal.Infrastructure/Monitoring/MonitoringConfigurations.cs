using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Clusters;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Monitoring;

internal sealed class MetricSubjectConfiguration : IEntityTypeConfiguration<MetricSubject>
{
    public void Configure(EntityTypeBuilder<MetricSubject> subject)
    {
        subject.ToTable("MetricSubjects");
        subject.Property(s => s.Id).ValueGeneratedOnAdd();
        subject.Property(s => s.Kind).HasConversion<string>().HasMaxLength(16);
        subject.Property(s => s.Namespace).HasMaxLength(63).IsRequired();
        subject.Property(s => s.Name).HasMaxLength(253).IsRequired();
        subject.Ignore(s => s.Key);
        subject.HasOne<Cluster>().WithMany().HasForeignKey(s => s.ClusterId).OnDelete(DeleteBehavior.Cascade);
        subject.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.SetNull);
        subject
            .HasIndex(s => new
            {
                s.ClusterId,
                s.Kind,
                s.Namespace,
                s.Name,
            })
            .IsUnique();
        // A tenant's charts and alerts find its subjects by kind. LastSampledAt has no index on purpose: it changes
        // every minute on every row, and an index on it would turn each of those updates into index writes; forgetting
        // old subjects scans the table (a row per node, pod and workload) once every five minutes instead.
        subject.HasIndex(s => new
        {
            s.TenantId,
            s.Kind,
            s.Name,
        });
    }
}

/// <summary>
/// The sample tables are keyed by subject then time, which is how every chart and rule reads them (one subject, a time
/// range). On PostgreSQL the time column also gets a BRIN index: rows arrive in time order, so a BRIN index of a few
/// pages serves the retention deletes and cross-subject time scans that a B-tree of hundreds of megabytes would.
/// </summary>
internal sealed class RawSampleConfiguration : IEntityTypeConfiguration<RawSample>
{
    public void Configure(EntityTypeBuilder<RawSample> sample)
    {
        sample.ToTable("MetricSamples");
        sample.HasKey(s => new { s.SubjectId, s.At });
        sample.HasIndex(s => s.At).HasMethod("brin");
        sample.HasOne<MetricSubject>().WithMany().HasForeignKey(s => s.SubjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RollupSampleConfiguration : IEntityTypeConfiguration<RollupSample>
{
    public void Configure(EntityTypeBuilder<RollupSample> rollup)
    {
        rollup.ToTable("MetricRollups");
        rollup.HasKey(s => new { s.SubjectId, s.At });
        rollup.HasIndex(s => s.At).HasMethod("brin");
        rollup.HasOne<MetricSubject>().WithMany().HasForeignKey(s => s.SubjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class AlertRuleConfiguration : IEntityTypeConfiguration<AlertRule>
{
    public void Configure(EntityTypeBuilder<AlertRule> rule)
    {
        rule.ToTable("AlertRules");
        rule.Property(r => r.Scope).HasConversion<string>().HasMaxLength(16);
        rule.Property(r => r.Metric).HasConversion<string>().HasMaxLength(40);
        rule.Property(r => r.Aggregation).HasConversion<string>().HasMaxLength(16);
        rule.Property(r => r.Comparator).HasConversion<string>().HasMaxLength(16);
        rule.Property(r => r.Severity).HasConversion<string>().HasMaxLength(16);
        rule.Property(r => r.Name).HasMaxLength(AlertRule.NameMaxLength).IsRequired();
        rule.Property(r => r.AppName).HasMaxLength(63).IsRequired();
        rule.Property(r => r.BuiltIn).HasMaxLength(40);
        rule.Ignore(r => r.Definition);
        rule.Ignore(r => r.Duration);
        rule.Ignore(r => r.Condition);
        rule.HasOne<Tenant>().WithMany().HasForeignKey(r => r.TenantId).OnDelete(DeleteBehavior.Cascade);
        rule.HasIndex(r => new { r.TenantId, r.Name });
        rule.HasIndex(r => r.BuiltIn).IsUnique();
    }
}

internal sealed class AlertConfiguration : IEntityTypeConfiguration<Alert>
{
    public void Configure(EntityTypeBuilder<Alert> alert)
    {
        alert.ToTable("Alerts");
        alert.Property(a => a.RuleName).HasMaxLength(AlertRule.NameMaxLength).IsRequired();
        alert.Property(a => a.RuleScope).HasConversion<string>().HasMaxLength(16);
        alert.Property(a => a.SubjectKind).HasConversion<string>().HasMaxLength(16);
        alert.Property(a => a.Subject).HasMaxLength(330).IsRequired();
        alert.Property(a => a.AppName).HasMaxLength(253).IsRequired();
        alert.Property(a => a.Severity).HasConversion<string>().HasMaxLength(16);
        alert.Property(a => a.State).HasConversion<string>().HasMaxLength(16);
        alert.Property(a => a.NotifiedState).HasConversion<string>().HasMaxLength(16);
        alert.Property(a => a.Condition).HasMaxLength(200).IsRequired();
        alert.Property(a => a.SilencedBy).HasMaxLength(256);
        alert.Property(a => a.SilenceReason).HasMaxLength(Alert.SilenceReasonMaxLength);
        alert.HasOne<AlertRule>().WithMany().HasForeignKey(a => a.RuleId).OnDelete(DeleteBehavior.Cascade);
        alert.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
        // De-duplication: one open alert per rule and subject, kept by the database too.
        alert.HasIndex(a => new { a.RuleId, a.SubjectId }).IsUnique().HasFilter("\"State\" = 'Firing'");
        alert.HasIndex(a => new
        {
            a.RuleId,
            a.SubjectId,
            a.ResolvedAt,
        });
        // The alerts lists: a tenant's (or the platform's) by state, newest first, with optional severity and app
        // filters.
        alert.HasIndex(a => new
        {
            a.TenantId,
            a.State,
            a.StartedAt,
        });
        alert.HasIndex(a => new { a.State, a.StartedAt });
        alert.HasIndex(a => new
        {
            a.TenantId,
            a.AppName,
            a.StartedAt,
        });
    }
}

internal sealed class AlertDeliveryConfiguration : IEntityTypeConfiguration<AlertDelivery>
{
    public void Configure(EntityTypeBuilder<AlertDelivery> delivery)
    {
        delivery.ToTable("AlertDeliveries");
        delivery.Property(d => d.ChannelName).HasMaxLength(64).IsRequired();
        delivery.Property(d => d.ChannelKind).HasConversion<string>().HasMaxLength(16);
        delivery.Property(d => d.State).HasConversion<string>().HasMaxLength(16);
        delivery.Property(d => d.Error).HasMaxLength(AlertDelivery.ErrorMaxLength);
        delivery.HasOne<Alert>().WithMany().HasForeignKey(d => d.AlertId).OnDelete(DeleteBehavior.Cascade);
        delivery.HasIndex(d => new { d.AlertId, d.At });
    }
}
