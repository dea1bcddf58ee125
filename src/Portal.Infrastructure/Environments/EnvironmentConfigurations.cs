using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Environments;

internal sealed class TenantEnvironmentConfiguration : IEntityTypeConfiguration<TenantEnvironment>
{
    public void Configure(EntityTypeBuilder<TenantEnvironment> environment)
    {
        environment.ToTable("Environments");
        environment.Property(e => e.Name).HasMaxLength(TenantEnvironment.NameMaxLength).IsRequired();
        environment.Property(e => e.Namespace).HasMaxLength(NamespaceName.MaxLength).IsRequired();
        environment.Property(e => e.State).HasConversion<string>().HasMaxLength(20);
        environment.HasIndex(e => new { e.TenantId, e.Name }).IsUnique();
        environment.HasIndex(e => e.Namespace).IsUnique();
        environment.HasIndex(e => e.PoolId);
        environment.ComplexProperty(e => e.Share, Quotas.ResourceAmountsColumns.Map);
        environment.HasOne<Tenant>().WithMany().HasForeignKey(e => e.TenantId).OnDelete(DeleteBehavior.Cascade);
        environment.HasOne<ResourcePool>().WithMany().HasForeignKey(e => e.PoolId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class OperationConfiguration : IEntityTypeConfiguration<Operation>
{
    public void Configure(EntityTypeBuilder<Operation> operation)
    {
        operation.ToTable("Operations");
        operation.Property(o => o.Kind).HasMaxLength(64).IsRequired();
        operation.Property(o => o.TargetType).HasMaxLength(64).IsRequired();
        operation.Property(o => o.TargetId).HasMaxLength(128).IsRequired();
        operation.Property(o => o.RequestedBy).HasMaxLength(256).IsRequired();
        operation.Property(o => o.State).HasConversion<string>().HasMaxLength(20);
        operation.Property(o => o.Error).HasMaxLength(Operation.ErrorMaxLength);
        // Every save of an operation checks that the run which loaded it still holds it: claiming is atomic, and a run
        // that lost its claim to another cannot write over it.
        operation.Property(o => o.ClaimedBy).HasMaxLength(32).IsConcurrencyToken();
        operation.Property(o => o.JobId).HasMaxLength(100);
        operation.Ignore(o => o.Steps);
        // The steps travel as one JSON document: they are read and written with their operation, never queried.
        operation
            .Property<List<OperationStep>>("_steps")
            .HasColumnName("Steps")
            .HasConversion(
                steps => JsonSerializer.Serialize(steps, JsonSerializerOptions.Default),
                json =>
                    JsonSerializer.Deserialize<List<OperationStep>>(json, JsonSerializerOptions.Default)
                    ?? new List<OperationStep>(),
                new ValueComparer<List<OperationStep>>(
                    (a, b) => a!.SequenceEqual(b!),
                    steps => steps.Aggregate(0, (hash, step) => HashCode.Combine(hash, step.GetHashCode())),
                    steps => steps.ToList()
                )
            );
        operation.HasIndex(o => new { o.TenantId, o.CreatedAt });
        operation.HasIndex(o => new { o.TargetType, o.TargetId });
        // The sweeper looks for operations queued or running without progress for a while.
        operation.HasIndex(o => new { o.State, o.LastActivityAt });
        operation.HasOne<Tenant>().WithMany().HasForeignKey(o => o.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
