using Microsoft.EntityFrameworkCore;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Monitoring;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>Rollups and retention on each database: the compaction is SQL of its own, so it runs on both.</summary>
public abstract class MetricStorageScenarios(PortalFixture portal)
{
    private MonitoringWorld World => new(portal.Factory);

    [SkippableFact]
    public async Task Raw_samples_roll_up_into_five_minute_rows_and_each_kind_expires_after_its_retention()
    {
        var t0 = MonitoringWorld.T0;
        var cluster = await World.ClusterAsync();
        var node = await World.SubjectAsync(cluster, SubjectKind.Node, "node-1");
        var workload = await World.SubjectAsync(cluster, SubjectKind.Workload, "api", ns: "t-shop-prod");
        await World.SamplesAsync(node, t0, 12, (i, s) => (s.Cpu, s.Ready) = (100 + i * 10, i == 7 ? 0 : 1));
        await World.SamplesAsync(workload, t0, 12, (i, s) => (s.Restarts, s.Memory) = (i, 1_000_000));

        var first = await CompactAsync(t0.AddMinutes(12));

        Assert.Equal(4, first.RolledUp);
        var rollups = await World.QueryAsync(db =>
            db.MetricRollups.AsNoTracking()
                .Where(r => r.SubjectId == node.Id || r.SubjectId == workload.Id)
                .OrderBy(r => r.SubjectId)
                .ThenBy(r => r.At)
                .ToListAsync()
        );
        var nodeRollups = rollups.Where(r => r.SubjectId == node.Id).ToList();
        Assert.Equal([MonitoringWorld.Unix(t0), MonitoringWorld.Unix(t0.AddMinutes(5))], nodeRollups.Select(r => r.At));
        Assert.Equal([120d, 170d], nodeRollups.Select(r => r.Cpu!.Value));
        Assert.Equal([1, 0], nodeRollups.Select(r => r.Ready!.Value));
        Assert.All(nodeRollups, r => Assert.Equal(5, r.SampleCount));
        var workloadRollups = rollups.Where(r => r.SubjectId == workload.Id).ToList();
        Assert.Equal([4, 9], workloadRollups.Select(r => r.Restarts!.Value));
        Assert.Equal([1_000_000d, 1_000_000d], workloadRollups.Select(r => r.Memory!.Value));

        var again = await CompactAsync(t0.AddMinutes(14));
        Assert.Equal(0, again.RolledUp);

        var dayLater = await CompactAsync(t0.AddHours(24).AddMinutes(6));
        Assert.Equal(2, dayLater.RolledUp);
        Assert.Equal(12, dayLater.RawDeleted);
        Assert.Empty(
            await World.QueryAsync(db =>
                db.MetricSamples.Where(s => s.SubjectId == node.Id && s.At < MonitoringWorld.Unix(t0.AddMinutes(6)))
                    .ToListAsync()
            )
        );

        var monthLater = await CompactAsync(t0.AddDays(30).AddMinutes(12));
        Assert.Equal(6, monthLater.RollupsDeleted);
        Assert.Equal(2, monthLater.SubjectsForgotten);
        Assert.False(
            await World.QueryAsync(db => db.MetricSubjects.AnyAsync(s => s.Id == node.Id || s.Id == workload.Id))
        );
    }

    private Task<CompactionOutcome> CompactAsync(DateTime now) =>
        World.RunAsync<MetricsCompaction, CompactionOutcome>(compaction => compaction.RunAtAsync(now, default));
}

public sealed class MetricStorageOnSqlite(MonitoringSqlitePortal portal)
    : MetricStorageScenarios(portal),
        IClassFixture<MonitoringSqlitePortal>;

public sealed class MetricStorageOnPostgres(MonitoringPostgresPortal portal)
    : MetricStorageScenarios(portal),
        IClassFixture<MonitoringPostgresPortal>;
