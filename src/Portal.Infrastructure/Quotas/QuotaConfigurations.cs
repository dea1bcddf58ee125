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
        pool.HasOne<Cluster>().WithMany().HasForeignKey(p => p.ClusterId).OnDelete(DeleteBehavior.Restrict);
        pool.HasIndex(p => p.ClusterId);
        pool.Ignore(p => p.Overcommit);
        pool.Ignore(p => p.Selector);
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
        quota.ComplexProperty(q => q.Granted, granted =>
        {
            granted.Property(g => g.CpuRequestMillis).HasColumnName("CpuRequestMillis");
            granted.Property(g => g.CpuLimitMillis).HasColumnName("CpuLimitMillis");
            granted.Property(g => g.MemoryRequestBytes).HasColumnName("MemoryRequestBytes");
            granted.Property(g => g.MemoryLimitBytes).HasColumnName("MemoryLimitBytes");
            granted.Property(g => g.StorageBytes).HasColumnName("StorageBytes");
            granted.Property(g => g.Pods).HasColumnName("Pods");
            granted.Property(g => g.MiddlewareInstances).HasColumnName("MiddlewareInstances");
        });
        quota.HasOne<Tenant>().WithMany().HasForeignKey(q => q.TenantId).OnDelete(DeleteBehavior.Cascade);
        quota.HasOne<ResourcePool>().WithMany().HasForeignKey(q => q.PoolId).OnDelete(DeleteBehavior.Restrict);
    }
}
