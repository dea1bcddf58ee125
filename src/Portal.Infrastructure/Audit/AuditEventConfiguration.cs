using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Audit;

namespace Portal.Infrastructure.Audit;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> audit)
    {
        audit.ToTable("AuditEvents");
        audit.Property(a => a.TenantSlug).HasMaxLength(40);
        audit.Property(a => a.ActorName).HasMaxLength(AuditEvent.MaxActorNameLength).IsRequired();
        audit.Property(a => a.Action).HasMaxLength(64).IsRequired();
        audit.Property(a => a.TargetType).HasMaxLength(64).IsRequired();
        audit.Property(a => a.TargetId).HasMaxLength(AuditEvent.MaxTargetIdLength).IsRequired();
        audit.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(20);
        audit.Property(a => a.ClientAddress).HasMaxLength(64);
        audit.Property(a => a.Summary).HasMaxLength(AuditEvent.MaxSummaryLength);
        audit.Property(a => a.Reason).HasMaxLength(AuditEvent.MaxReasonLength);

        // The audit pages sort by time (newest first) within a tenant or across all, filtered by
        // actor, action or target: one index per filter, each ending in the sort key.
        audit.HasIndex(a => new { a.TenantId, a.OccurredAt });
        audit.HasIndex(a => a.OccurredAt);
        audit.HasIndex(a => new { a.ActorName, a.OccurredAt });
        audit.HasIndex(a => new { a.Action, a.OccurredAt });
        audit.HasIndex(a => new
        {
            a.TargetType,
            a.TargetId,
            a.OccurredAt,
        });
        // An operation that ends completes its entries.
        audit.HasIndex(a => a.OperationId);
    }
}
