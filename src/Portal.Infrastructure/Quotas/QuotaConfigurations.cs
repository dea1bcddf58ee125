using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Clusters;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Quotas;

internal sealed class ResourcePoolConfiguration : IEntityTypeConfiguration<ResourcePool>
{
    public void Configure(EntityTypeBuilder<ResourcePool> pool)
    {
        pool.ToTable("ResourcePools");
        pool.Property(p => p.Name).HasMaxLength(TenantSlug.MaxLength).IsRequired();
        pool.HasIndex(p => p.Name).IsUnique();
        pool.Property(p => p.DisplayName).HasMaxLength(DisplayName.MaxLength).IsRequired();
        pool.Property(p => p.NodeSelector).HasMaxLength(NodeSelector.MaxLength).IsRequired();
        pool.Property(p => p.Region).HasMaxLength(ResourcePool.RegionMaxLength).IsRequired();
        pool.Property(p => p.CpuOvercommit).HasPrecision(6, 3);
        pool.Property(p => p.MemoryOvercommit).HasPrecision(6, 3);
        pool.Property(p => p.PrometheusUrl)
            .HasMaxLength(ResourcePool.PrometheusUrlMaxLength)
            .IsRequired()
            .HasDefaultValue("");
        pool.HasOne<Cluster>().WithMany().HasForeignKey(p => p.ClusterId).OnDelete(DeleteBehavior.Restrict);
        pool.HasIndex(p => p.ClusterId);
        pool.Ignore(p => p.Overcommit);
        pool.Ignore(p => p.Selector);
        pool.Property(p => p.IngressDomains)
            .HasMaxLength(Domain.Applications.DomainList.MaxLength)
            .IsRequired()
            .HasDefaultValue("");
        pool.Ignore(p => p.Domains);
        pool.Ignore(p => p.Taint);
        pool.Ignore(p => p.Placement);
    }
}

internal sealed class TenantQuotaConfiguration : IEntityTypeConfiguration<TenantQuota>
{
    public void Configure(EntityTypeBuilder<TenantQuota> quota)
    {
        quota.ToTable("TenantQuotas");
        quota.HasIndex(q => new { q.TenantId, q.PoolId }).IsUnique();
        quota.HasIndex(q => q.PoolId);
        quota.Property(q => q.ChangedBy).HasMaxLength(256).IsRequired();
        quota.ComplexProperty(q => q.Granted, ResourceAmountsColumns.Map);
        quota.HasOne<Tenant>().WithMany().HasForeignKey(q => q.TenantId).OnDelete(DeleteBehavior.Cascade);
        quota.HasOne<ResourcePool>().WithMany().HasForeignKey(q => q.PoolId).OnDelete(DeleteBehavior.Restrict);
    }
}

/// <summary>Resource amounts as plain columns named after their dimension, in every table that holds them.</summary>
internal static class ResourceAmountsColumns
{
    public static void Map(ComplexPropertyBuilder<ResourceAmounts> amounts)
    {
        amounts.Property(a => a.CpuRequestMillis).HasColumnName(nameof(ResourceAmounts.CpuRequestMillis));
        amounts.Property(a => a.CpuLimitMillis).HasColumnName(nameof(ResourceAmounts.CpuLimitMillis));
        amounts.Property(a => a.MemoryRequestBytes).HasColumnName(nameof(ResourceAmounts.MemoryRequestBytes));
        amounts.Property(a => a.MemoryLimitBytes).HasColumnName(nameof(ResourceAmounts.MemoryLimitBytes));
        amounts.Property(a => a.StorageBytes).HasColumnName(nameof(ResourceAmounts.StorageBytes));
        amounts.Property(a => a.Pods).HasColumnName(nameof(ResourceAmounts.Pods));
        amounts.Property(a => a.MiddlewareInstances).HasColumnName(nameof(ResourceAmounts.MiddlewareInstances));
    }
}
