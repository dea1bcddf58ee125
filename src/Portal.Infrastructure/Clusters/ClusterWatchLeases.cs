using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <summary>
/// Which portal replica watches a cluster, until when. Renewed by its holder; taken over once it expires.
/// </summary>
public sealed class ClusterWatchLease
{
    public Guid ClusterId { get; set; }
    public string Holder { get; set; } = "";
    public DateTime ExpiresAt { get; set; }
}

internal sealed class ClusterWatchLeaseConfiguration : IEntityTypeConfiguration<ClusterWatchLease>
{
    public void Configure(EntityTypeBuilder<ClusterWatchLease> lease)
    {
        lease.ToTable("ClusterWatchLeases");
        lease.HasKey(l => l.ClusterId);
        lease.Property(l => l.Holder).HasMaxLength(200).IsRequired();
    }
}

/// <summary>
/// One watcher per cluster across replicas: a replica watches a cluster only while it holds the cluster's
/// lease in the database. Taking and renewing are single conditional statements, so two replicas cannot
/// both win.
/// </summary>
public sealed class ClusterWatchLeases(PortalDbContext db, TimeProvider clock)
{
    public async Task<bool> TryHoldAsync(Guid clusterId, string holder, TimeSpan duration, CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + duration;
        var renewed = await db.Set<ClusterWatchLease>()
            .Where(l => l.ClusterId == clusterId && (l.Holder == holder || l.ExpiresAt < now))
            .ExecuteUpdateAsync(set => set.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, until), ct);
        if (renewed == 1)
            return true;
        if (await db.Set<ClusterWatchLease>().AnyAsync(l => l.ClusterId == clusterId, ct))
            return false;
        db.Set<ClusterWatchLease>()
            .Add(
                new ClusterWatchLease
                {
                    ClusterId = clusterId,
                    Holder = holder,
                    ExpiresAt = until,
                }
            );
        return await db.TrySaveUniqueAsync(ct);
    }

    public Task ReleaseAsync(Guid clusterId, string holder, CancellationToken ct) =>
        db.Set<ClusterWatchLease>().Where(l => l.ClusterId == clusterId && l.Holder == holder).ExecuteDeleteAsync(ct);
}
