using Microsoft.EntityFrameworkCore;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>A time range a chart shows, as the range buttons name it.</summary>
public sealed record ChartRange(string Name, TimeSpan Length)
{
    public static readonly IReadOnlyList<ChartRange> All =
    [
        new("1h", TimeSpan.FromHours(1)),
        new("24h", TimeSpan.FromHours(24)),
        new("7d", TimeSpan.FromDays(7)),
        new("30d", TimeSpan.FromDays(30)),
    ];

    public static ChartRange Default => All[0];

    /// <summary>The range of that name; null when there is none.</summary>
    public static ChartRange? Parse(string? name) =>
        string.IsNullOrEmpty(name)
            ? Default
            : All.FirstOrDefault(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    public static string Names => string.Join(", ", All.Select(r => r.Name));
}

/// <summary>Charts for one subject over one range, as the dashboards' script draws them.</summary>
public sealed record ChartSet(
    long From,
    long To,
    int Step,
    IReadOnlyList<Chart> Charts,
    IReadOnlyList<ChartMark> Marks
);

public sealed record Chart(string Id, string Title, string Unit, IReadOnlyList<ChartSeries> Series);

/// <summary>Points are [unix seconds, value or null].</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<double?[]> Points);

/// <summary>Something that happened at a moment, drawn across the time axis (a deploy).</summary>
public sealed record ChartMark(long At, string Label);

/// <summary>
/// Reads the samples of one subject for a range and shapes them into charts. Ranges up to six hours read raw samples
/// (one a minute); longer ones read the 5-minute rollups plus the raw samples not rolled up yet, and 30 days are drawn
/// hourly. One subject and one range is one index range scan of the subject's key: a few thousand rows at most.
/// </summary>
public sealed class MetricCharts(PortalDbContext db, TimeProvider clock)
{
    private static readonly TimeSpan RawUpTo = TimeSpan.FromHours(6);

    public async Task<ChartSet> ForWorkloadAsync(
        Guid tenantId,
        Guid environmentId,
        string workload,
        Guid? applicationId,
        ChartRange range,
        CancellationToken ct
    )
    {
        var subjectId = await db
            .MetricSubjects.AsNoTracking()
            .Where(s =>
                s.TenantId == tenantId
                && s.EnvironmentId == environmentId
                && s.Kind == SubjectKind.Workload
                && s.Name == workload
            )
            .Select(s => (long?)s.Id)
            .FirstOrDefaultAsync(ct);
        var (from, to) = Window(range);
        var points = await ReadAsync(subjectId, from, to, range, ct);
        var marks = applicationId is null
            ? []
            : await DeploysAsync(tenantId, applicationId.Value, environmentId, from, to, ct);
        return new ChartSet(
            from,
            to,
            Step(range),
            [
                Shape("cpu", "CPU", "millicores", points, ("used", p => p.Cpu)),
                Shape("memory", "Memory", "bytes", points, ("used", p => p.Memory)),
                Shape("restarts", "Restarts", "count", points, ("restarts", p => p.Restarts)),
                Shape("replicas", "Replicas", "count", points, ("ready", p => p.Ready), ("desired", p => p.Desired)),
            ],
            marks
        );
    }

    public async Task<ChartSet> ForEnvironmentAsync(
        Guid tenantId,
        Guid environmentId,
        ChartRange range,
        CancellationToken ct
    )
    {
        var subjectId = await db
            .MetricSubjects.AsNoTracking()
            .Where(s => s.TenantId == tenantId && s.EnvironmentId == environmentId && s.Kind == SubjectKind.Namespace)
            .Select(s => (long?)s.Id)
            .FirstOrDefaultAsync(ct);
        var (from, to) = Window(range);
        var points = await ReadAsync(subjectId, from, to, range, ct);
        return new ChartSet(
            from,
            to,
            Step(range),
            [
                Shape("cpu", "CPU", "millicores", points, ("used", p => p.Cpu), ("requested", p => p.CpuRequested)),
                Shape(
                    "memory",
                    "Memory",
                    "bytes",
                    points,
                    ("used", p => p.Memory),
                    ("requested", p => p.MemoryRequested)
                ),
                Shape("quota", "Quota requested", "percent", points, ("of the share", p => p.QuotaPercent)),
                Shape(
                    "pods",
                    "Pods not running",
                    "count",
                    points,
                    ("pending", p => p.Pending),
                    ("failing", p => p.Failing)
                ),
            ],
            []
        );
    }

    public async Task<ChartSet> ForClusterAsync(Guid clusterId, ChartRange range, CancellationToken ct)
    {
        var subjectId = await db
            .MetricSubjects.AsNoTracking()
            .Where(s => s.ClusterId == clusterId && s.Kind == SubjectKind.Cluster)
            .Select(s => (long?)s.Id)
            .FirstOrDefaultAsync(ct);
        var (from, to) = Window(range);
        var points = await ReadAsync(subjectId, from, to, range, ct);
        return new ChartSet(
            from,
            to,
            Step(range),
            [
                Shape("cpu", "CPU", "millicores", points, ("used", p => p.Cpu), ("requested", p => p.CpuRequested)),
                Shape(
                    "memory",
                    "Memory",
                    "bytes",
                    points,
                    ("used", p => p.Memory),
                    ("requested", p => p.MemoryRequested)
                ),
                Shape("nodes", "Nodes", "count", points, ("ready", p => p.Ready), ("total", p => p.Desired)),
                Shape(
                    "pods",
                    "Pods not running",
                    "count",
                    points,
                    ("pending", p => p.Pending),
                    ("failing", p => p.Failing)
                ),
            ],
            []
        );
    }

    /// <summary>
    /// The metric an alert watches on its subject, from an hour before it fired to a quarter of an hour after it
    /// resolved.
    /// </summary>
    public async Task<ChartSet> AroundAlertAsync(Alert alert, AlertMetric metric, CancellationToken ct)
    {
        var definition = MetricDefinition.Of(metric);
        var from = Unix(alert.StartedAt.AddHours(-1));
        var to = Math.Min(
            Unix(clock.GetUtcNow().UtcDateTime),
            Unix((alert.ResolvedAt ?? clock.GetUtcNow().UtcDateTime).AddMinutes(15))
        );
        var range = to - from <= RawUpTo.TotalSeconds ? ChartRange.All[0] : ChartRange.All[1];
        var points = await ReadAsync(alert.SubjectId, from, to, range, ct);
        return new ChartSet(
            from,
            to,
            Step(range),
            [
                Shape(
                    metric.ToString(),
                    definition.Title,
                    definition.Unit == "%" ? "percent" : "count",
                    points,
                    (definition.Title, p => definition.Read(p))
                ),
            ],
            [
                new ChartMark(Unix(alert.StartedAt), "fired"),
                .. alert.ResolvedAt is null
                    ? Array.Empty<ChartMark>()
                    : [new ChartMark(Unix(alert.ResolvedAt.Value), "resolved")],
            ]
        );
    }

    private (long From, long To) Window(ChartRange range)
    {
        var to = Unix(clock.GetUtcNow().UtcDateTime);
        return (to - (long)range.Length.TotalSeconds, to);
    }

    private static int Step(ChartRange range) =>
        range.Length <= RawUpTo ? 60
        : range.Length <= TimeSpan.FromDays(7) ? RollupSample.BucketSeconds
        : 3600;

    private async Task<IReadOnlyList<MetricPoint>> ReadAsync(
        long? subjectId,
        long from,
        long to,
        ChartRange range,
        CancellationToken ct
    )
    {
        if (subjectId is null)
            return [];
        if (range.Length <= RawUpTo)
            return await db
                .MetricSamples.AsNoTracking()
                .Where(s => s.SubjectId == subjectId && s.At >= from && s.At <= to)
                .OrderBy(s => s.At)
                .ToListAsync(ct);
        var rollups = await db
            .MetricRollups.AsNoTracking()
            .Where(s => s.SubjectId == subjectId && s.At >= from && s.At <= to)
            .OrderBy(s => s.At)
            .ToListAsync(ct);
        var rolledTo = rollups.Count == 0 ? from : rollups[^1].At + RollupSample.BucketSeconds;
        var recent = await db
            .MetricSamples.AsNoTracking()
            .Where(s => s.SubjectId == subjectId && s.At >= rolledTo && s.At <= to)
            .OrderBy(s => s.At)
            .ToListAsync(ct);
        IReadOnlyList<MetricPoint> points = [.. rollups, .. recent];
        return Step(range) == 3600 ? Hourly(points) : points;
    }

    private static IReadOnlyList<MetricPoint> Hourly(IReadOnlyList<MetricPoint> points) =>
        points
            .GroupBy(p => p.At - p.At % 3600)
            .Select(hour =>
                (MetricPoint)
                    new RollupSample
                    {
                        At = hour.Key,
                        Cpu = hour.Average(p => p.Cpu),
                        Memory = hour.Average(p => p.Memory),
                        CpuRequested = hour.Average(p => p.CpuRequested),
                        MemoryRequested = hour.Average(p => p.MemoryRequested),
                        CpuPercent = hour.Average(p => p.CpuPercent),
                        MemoryPercent = hour.Average(p => p.MemoryPercent),
                        Restarts = hour.Max(p => p.Restarts),
                        Ready = hour.Min(p => p.Ready),
                        Desired = hour.Max(p => p.Desired),
                        Pending = hour.Max(p => p.Pending),
                        Failing = hour.Max(p => p.Failing),
                        QuotaPercent = hour.Average(p => p.QuotaPercent),
                    }
            )
            .ToList();

    private static Chart Shape(
        string id,
        string title,
        string unit,
        IReadOnlyList<MetricPoint> points,
        params (string Label, Func<MetricPoint, double?> Read)[] series
    ) =>
        new(
            id,
            title,
            unit,
            series
                .Select(s => new ChartSeries(
                    s.Label,
                    points.Select(p => new[] { (double?)p.At, s.Read(p) is { } v ? Math.Round(v, 2) : null }).ToList()
                ))
                .ToList()
        );

    private async Task<IReadOnlyList<ChartMark>> DeploysAsync(
        Guid tenantId,
        Guid applicationId,
        Guid environmentId,
        long from,
        long to,
        CancellationToken ct
    )
    {
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(e => e.Id == environmentId && e.TenantId == tenantId)
            .Select(e => e.Name)
            .FirstOrDefaultAsync(ct);
        var since = DateTimeOffset.FromUnixTimeSeconds(from).UtcDateTime;
        // The range ends at a whole second; a deploy made within that second is still in it.
        var until = DateTimeOffset.FromUnixTimeSeconds(to + 1).UtcDateTime;
        var revisions = await db
            .Revisions.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(r =>
                r.TenantId == tenantId
                && r.ApplicationId == applicationId
                && r.Environment == environment
                && r.CreatedAt >= since
                && r.CreatedAt < until
            )
            .OrderBy(r => r.CreatedAt)
            .Select(r => new
            {
                r.Number,
                r.Origin,
                r.CreatedAt,
            })
            .ToListAsync(ct);
        return revisions.Select(r => new ChartMark(Unix(r.CreatedAt), $"Revision {r.Number} ({r.Origin})")).ToList();
    }

    public static long Unix(DateTime at) =>
        new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeSeconds();
}
