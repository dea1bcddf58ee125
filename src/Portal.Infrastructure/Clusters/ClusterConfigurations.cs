using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Clusters;

namespace Portal.Infrastructure.Clusters;

internal sealed class ClusterConfiguration : IEntityTypeConfiguration<Cluster>
{
    public void Configure(EntityTypeBuilder<Cluster> cluster)
    {
        cluster.ToTable("Clusters");
        cluster.Property(c => c.Name).HasMaxLength(Cluster.NameMaxLength).IsRequired();
        cluster.HasIndex(c => c.Name).IsUnique();
        cluster.Property(c => c.DisplayName).HasMaxLength(100).IsRequired();
        cluster.Property(c => c.ApiServer).HasMaxLength(500).IsRequired();
        cluster.Property(c => c.ProtectedKubeconfig).IsRequired();
        cluster.Property(c => c.RegisteredBy).HasMaxLength(256).IsRequired();
        cluster.Property(c => c.Health).HasConversion<string>().HasMaxLength(20);
        cluster.Property(c => c.KubernetesVersion).HasMaxLength(64);
        cluster.Property(c => c.LastError).HasMaxLength(500);
        cluster.Property(c => c.WatchError).HasMaxLength(500);
    }
}

internal sealed class HostConfiguration : IEntityTypeConfiguration<ClusterHost>
{
    public void Configure(EntityTypeBuilder<ClusterHost> host)
    {
        host.ToTable("Hosts");
        host.Property(h => h.Name).HasMaxLength(253).IsRequired();
        host.Property(h => h.Addresses).HasMaxLength(500);
        host.Property(h => h.Roles).HasMaxLength(200);
        host.Property(h => h.Pressures).HasMaxLength(200);
        host.HasOne<Cluster>().WithMany().HasForeignKey(h => h.ClusterId).OnDelete(DeleteBehavior.Cascade);
        // The hosts list filters by cluster (and readiness or cordon state) and sorts by name or load.
        host.HasIndex(h => new { h.ClusterId, h.Name }).IsUnique();
        host.HasIndex(h => new
        {
            h.ClusterId,
            h.Ready,
            h.Name,
        });
        host.HasIndex(h => new { h.ClusterId, h.CpuRequestedMillis });
        host.HasIndex(h => new { h.ClusterId, h.MemoryRequestedBytes });
        host.HasIndex(h => new { h.ClusterId, h.PodCount });
        // The ops dashboard's hosts in trouble: the few rows that are, not the thousands that are fine (the table is
        // rewritten by every watch flush, so a scan of it reads its dead rows too).
        host.HasIndex(h => new
            {
                h.ClusterId,
                h.Ready,
                h.ObservedAt,
            })
            .HasFilter("NOT \"Ready\" OR \"Pressures\" <> ''");
        // A cluster's totals (hosts, ready, pods, CPU and memory allocatable and requested) in one index-only pass.
        host.HasIndex(h => h.ClusterId)
            .IncludeProperties(h => new
            {
                h.Ready,
                h.PodCount,
                h.CpuAllocatableMillis,
                h.CpuRequestedMillis,
                h.MemoryAllocatableBytes,
                h.MemoryRequestedBytes,
            });
    }
}

internal sealed class NamespaceLoadConfiguration : IEntityTypeConfiguration<NamespaceLoad>
{
    public void Configure(EntityTypeBuilder<NamespaceLoad> load)
    {
        load.ToTable("NamespaceLoads");
        load.Property(l => l.Namespace).HasMaxLength(63).IsRequired();
        load.HasOne<Cluster>().WithMany().HasForeignKey(l => l.ClusterId).OnDelete(DeleteBehavior.Cascade);
        // Quota pages look loads up by the namespaces of a tenant's environments.
        load.HasIndex(l => new { l.ClusterId, l.Namespace }).IsUnique();
    }
}
