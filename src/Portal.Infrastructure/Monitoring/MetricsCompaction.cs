using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>What one compaction did.</summary>
public sealed record CompactionOutcome(int RolledUp, int RawDeleted, int RollupsDeleted, int SubjectsForgotten);

/// <summary>
/// Every five minutes: rolls the raw samples of each finished 5-minute bucket up into one row per subject, then deletes
/// raw samples older than the raw retention, rollups older than the rollup retention, and subjects not sampled for that
/// long. Safe to run twice at once: a bucket rolled up already is left as it is.
/// </summary>
public sealed class MetricsCompaction(
    PortalDbContext db,
    IOptions<MonitoringOptions> options,
    TimeProvider clock,
    ILogger<MetricsCompaction> logger
)
{
    public Task RunAsync(CancellationToken ct) => RunAtAsync(clock.GetUtcNow().UtcDateTime, ct);

    public async Task<CompactionOutcome> RunAtAsync(DateTime now, CancellationToken ct)
    {
        var settings = options.Value;
        var unixNow = new DateTimeOffset(now, TimeSpan.Zero).ToUnixTimeSeconds();
        var rawCutoff = unixNow - (long)settings.RawRetention.TotalSeconds;
        var rollupCutoff = unixNow - (long)settings.RollupRetention.TotalSeconds;
        var unfinished = RollupSample.BucketOf(unixNow);
        // The newest rollup is looked for in the last hour first, which the BRIN index answers from a few pages; only a
        // compaction that has not run for an hour reads the whole table.
        var rolledTo = await db.MetricRollups.Where(r => r.At >= unfinished - 3600).MaxAsync(r => (long?)r.At, ct)
            ?? await db.MetricRollups.MaxAsync(r => (long?)r.At, ct);
        var from = rolledTo is null ? RollupSample.BucketOf(rawCutoff) : rolledTo.Value + RollupSample.BucketSeconds;
        var rolled =
            from >= unfinished
                ? 0
                : await db.Database.ExecuteSqlAsync(
                    $"""
                    INSERT INTO "MetricRollups" ("SubjectId", "At", "Cpu", "Memory", "CpuRequested", "MemoryRequested",
                        "CpuPercent", "MemoryPercent", "Restarts", "Ready", "Desired", "Pending", "Failing",
                        "QuotaPercent", "SampleCount")
                    SELECT "SubjectId", "At" - ("At" % 300), AVG("Cpu"), AVG("Memory"), AVG("CpuRequested"),
                        AVG("MemoryRequested"), AVG("CpuPercent"), AVG("MemoryPercent"), MAX("Restarts"), MIN("Ready"),
                        MAX("Desired"), MAX("Pending"), MAX("Failing"), AVG("QuotaPercent"), COUNT(*)
                    FROM "MetricSamples"
                    WHERE "At" >= {from} AND "At" < {unfinished}
                    GROUP BY "SubjectId", "At" - ("At" % 300)
                    ON CONFLICT DO NOTHING
                    """,
                    ct
                );
        var rawDeleted = await db.MetricSamples.Where(s => s.At < rawCutoff).ExecuteDeleteAsync(ct);
        var rollupsDeleted = await db.MetricRollups.Where(s => s.At < rollupCutoff).ExecuteDeleteAsync(ct);
        var forgotten = await db.MetricSubjects.Where(s => s.LastSampledAt < rollupCutoff).ExecuteDeleteAsync(ct);
        if (rolled + rawDeleted + rollupsDeleted + forgotten > 0)
        {
            logger.LogInformation(
                "Metrics compaction: {Rolled} rollups written, {Raw} raw samples, "
                    + "{Rollups} rollups and {Subjects} subjects deleted",
                rolled,
                rawDeleted,
                rollupsDeleted,
                forgotten
            );
        }
        return new CompactionOutcome(rolled, rawDeleted, rollupsDeleted, forgotten);
    }
}
