using System.Diagnostics;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Portal.Domain.Monitoring;
using Portal.Domain.Operations;
using Portal.Infrastructure;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Monitoring.Dashboards;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// Monitoring at scale on PostgreSQL: 30 days of history for 1,000 nodes and 5,000 pods (5-minute rollups for 30 days,
/// raw minute samples for the last 24 h) loaded with binary COPY; the live write path (MetricsSampler reading a
/// Prometheus stand-in, then MetricsCompaction); table sizes; and the server-side time of the chart, dashboard and
/// alert queries. Run with `-- --monitoring [--days N] [--keep]`; the server comes from PORTAL_TEST_POSTGRES.
/// </summary>
internal static class MonitoringBenchmark
{
    private const int Requests = 200;
    private const int Warmup = 20;
    private const int LiveTicks = 6;
    private const int Evaluations = 10;
    private const double GoalMs = 150;

    /// <summary>The data's "now": the end of the generated history, on a 5-minute boundary.</summary>
    private static readonly DateTime End = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    public static async Task<int> RunAsync(string root, string[] args, CancellationToken ct)
    {
        var server = PostgresPortal.Server;
        if (server is null)
        {
            Console.Error.WriteLine(
                $"Set {PostgresPortal.ServerVariable} (e.g. "
                    + "Host=127.0.0.1;Port=5432;Username=portal;Password=portal) to run the "
                    + "monitoring benchmark."
            );
            return 2;
        }
        var days = args.SkipWhile(a => a != "--days").Skip(1).Select(int.Parse).FirstOrDefault(30);
        var keep = args.Contains("--keep");
        var total = Stopwatch.StartNew();
        void Progress(string what) =>
            Console.Error.WriteLine(Invariant($"[{total.Elapsed.TotalSeconds, 7:F1}s] {what}"));

        var database = $"portal_bench_monitoring_{Guid.NewGuid():N}";
        var connectionString = new NpgsqlConnectionStringBuilder(server)
        {
            Database = database,
            CommandTimeout = 3600,
        }.ConnectionString;
        var clock = new BenchClock(End);
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Portal:Database:Provider"] = "Postgres",
                    ["ConnectionStrings:Portal"] = connectionString,
                    ["Portal:Clusters:Watch"] = "false",
                    // The Prometheus stand-in listens on loopback, as an operator's Prometheus sits on a private
                    // network they allow.
                    ["Portal:Monitoring:Prometheus:AllowedTargets:0"] = "127.0.0.1",
                }
            )
            .Build();
        var services = new ServiceCollection()
            .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath())
            .AddSingleton<TimeProvider>(clock)
            .AddSingleton<IOperationQueue, PostgresPortal.NoJobServer>()
            .AddSingleton<IAlertNotificationQueue, NoNotifications>()
            .BuildServiceProvider();
        var report = new Report();
        var findings = new List<string>();
        MonitoringPrometheus? prometheus = null;
        try
        {
            Progress($"migrating {database}");
            await using (var scope = services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);

            report.Line(Invariant($"# Monitoring benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
            report.Line();
            report.Line(
                "`PORTAL_TEST_POSTGRES=… dotnet run -c Release --project benchmarks/Portal.Benchmarks -- --monitoring"
                    + (days == 30 ? "" : Invariant($" --days {days}"))
                    + "` — PostgreSQL 15 on loopback; the portal's own services "
                    + "(`AddPortalInfrastructure`) in-process, with a `TimeProvider` fixed at "
                    + "the data's end; a new DI scope (DbContext) per call."
            );
            report.Heading("## Machine");
            report.Lines(Machine.Describe());
            await using (var admin = new NpgsqlConnection(connectionString))
            {
                await admin.OpenAsync(ct);
                var settings = new List<string>();
                foreach (
                    var name in new[]
                    {
                        "server_version",
                        "shared_buffers",
                        "work_mem",
                        "max_wal_size",
                        "synchronous_commit",
                        "effective_cache_size",
                        "max_parallel_workers_per_gather",
                    }
                )
                    settings.Add($"{name}={await ScalarAsync<string>(admin, $"SHOW {name}", ct)}");
                report.Line("- PostgreSQL settings (server defaults, untouched): " + string.Join(", ", settings));
            }

            // ------------------------------------------------------------ data set
            var data = new MonitoringDataSet();
            var endUnix = MetricCharts.Unix(End);
            // The pools need the stand-in's address before they are saved: start it on the lists the seeding fills.
            prometheus = await MonitoringPrometheus.StartAsync(data.Usage, ct);
            Progress("seeding the portal rows");
            await data.SeedPortalAsync(services, prometheus.UrlOf, End.AddDays(-days), ct);
            await data.SeedSubjectsAsync(services, endUnix - 60, ct);
            await using (var scope = services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<BuiltinAlertRules>().EnsureAsync(ct);
            report.Heading("## Data set");
            report.Line(
                (
                    Invariant($"{MonitoringDataSet.Clusters} clusters × ")
                    + Invariant($"{MonitoringDataSet.NodesPerCluster} nodes (one pool each, read from ")
                    + "the Prometheus stand-in); "
                )
                    + (
                        Invariant($"{MonitoringDataSet.Tenants} tenants × ")
                        + Invariant($"{MonitoringDataSet.EnvironmentsPerTenant} environments (namespaces); ")
                    )
                    + (
                        Invariant($"{MonitoringDataSet.WorkloadsPerEnvironment} workloads × ")
                        + Invariant($"{MonitoringDataSet.PodsPerWorkload} pods per environment → ")
                    )
                    + (
                        Invariant($"{data.Workloads.Count:N0} workloads, ")
                        + Invariant($"{data.Workloads.Count * MonitoringDataSet.PodsPerWorkload:N0} pods; ")
                    )
                    + (
                        Invariant($"**{MonitoringDataSet.Subjects:N0} metric subjects** (4 clusters, 1,000 ")
                        + "nodes, 200 namespaces, 1,000 workloads, 5,000 pods)."
                    )
            );
            report.Line(
                "Rows the sampler and dashboards read: `Clusters`, `ResourcePools`, "
                    + "1,000 `Hosts` (8 NotReady), `Tenants`, `TenantQuotas`, "
                    + "200 `Environments` and `NamespaceLoads` (10 at 95% of their share), "
                    + "5,000 `WorkloadPods` (52 CrashLoopBackOff, 24 Pending). "
                    + "No applications, deployments, revisions or operations: those tables "
                    + "are empty, so the dashboards' tiles over them are not loaded here."
            );

            // ------------------------------------------------------------ backfill
            report.Heading(
                (
                    Invariant($"## 1. Backfill: {days} days of 5-minute rollups + 24 h of raw minute ")
                    + "samples (binary COPY, time order)"
                )
            );
            var rollupFrom = endUnix - days * 86400L;
            var rawFrom = endUnix - 86400;
            Progress("COPY rollups");
            var copying = Stopwatch.StartNew();
            var rollupRows = await data.CopyAsync(
                connectionString,
                "MetricRollups",
                rollupFrom,
                endUnix,
                300,
                Progress,
                ct
            );
            var rollupTime = copying.Elapsed;
            Progress("COPY raw samples");
            copying.Restart();
            var rawRows = await data.CopyAsync(connectionString, "MetricSamples", rawFrom, endUnix, 60, Progress, ct);
            var rawTime = copying.Elapsed;
            Progress("VACUUM ANALYZE");
            TimeSpan vacuumRollups,
                vacuumRaw;
            await using (var admin = new NpgsqlConnection(connectionString))
            {
                await admin.OpenAsync(ct);
                copying.Restart();
                await ExecuteAsync(admin, "VACUUM ANALYZE \"MetricRollups\"", ct);
                vacuumRollups = copying.Elapsed;
                copying.Restart();
                await ExecuteAsync(admin, "VACUUM ANALYZE \"MetricSamples\"", ct);
                await ExecuteAsync(admin, "VACUUM ANALYZE \"MetricSubjects\"", ct);
                await ExecuteAsync(admin, "ANALYZE", ct);
                vacuumRaw = copying.Elapsed;
            }
            report.Line(
                "One `COPY … FROM STDIN (FORMAT BINARY)` per day of data through "
                    + "`NpgsqlBinaryImporter`, rows in time order (every subject's row for "
                    + "one bucket, then the next bucket), into the migrated tables with their "
                    + "primary key and BRIN index in place; the generator runs in the "
                    + "benchmark process on the same 2 CPUs. Nulls where the sampler leaves a "
                    + "measure empty for the subject's kind."
            );
            report.Line();
            report.Line("| table | rows | seconds | rows/s | then VACUUM ANALYZE |");
            report.Line("|---|---:|---:|---:|---:|");
            report.Line(
                (
                    Invariant($"| `MetricRollups` ({days} d × 288 buckets × ")
                    + Invariant($"{MonitoringDataSet.Subjects:N0}) | {rollupRows:N0} | ")
                    + Invariant($"{rollupTime.TotalSeconds:F1} | **")
                    + Invariant($"{rollupRows / rollupTime.TotalSeconds:N0}** | ")
                    + Invariant($"{vacuumRollups.TotalSeconds:F1} s |")
                )
            );
            report.Line(
                (
                    Invariant($"| `MetricSamples` (1,440 minutes × {MonitoringDataSet.Subjects:N0}) | ")
                    + Invariant($"{rawRows:N0} | {rawTime.TotalSeconds:F1} | **")
                    + Invariant($"{rawRows / rawTime.TotalSeconds:N0}** | {vacuumRaw.TotalSeconds:F1} s ")
                    + "|"
                )
            );

            // ------------------------------------------------------------ sizes
            report.Heading("## 2. Table sizes (after the backfill and VACUUM ANALYZE)");
            await using (var admin = new NpgsqlConnection(connectionString))
            {
                await admin.OpenAsync(ct);
                report.Line(
                    "| table | rows | total | heap | indexes | bytes/row (total) | bytes/row (heap) | indexes |"
                );
                report.Line("|---|---:|---:|---:|---:|---:|---:|---|");
                foreach (var table in new[] { "MetricRollups", "MetricSamples", "MetricSubjects" })
                {
                    var rows = await ScalarAsync<long>(admin, $"SELECT count(*) FROM \"{table}\"", ct);
                    var totalBytes = await ScalarAsync<long>(
                        admin,
                        $"SELECT pg_total_relation_size('\"{table}\"')",
                        ct
                    );
                    var heap = await ScalarAsync<long>(admin, $"SELECT pg_relation_size('\"{table}\"')", ct);
                    var indexes = await ScalarAsync<long>(admin, $"SELECT pg_indexes_size('\"{table}\"')", ct);
                    var each = new List<string>();
                    await using (
                        var command = new NpgsqlCommand(
                            "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM "
                                + "pg_index WHERE indrelid = @t::regclass ORDER BY 1",
                            admin
                        )
                    )
                    {
                        command.Parameters.AddWithValue("t", $"\"{table}\"");
                        await using var reader = await command.ExecuteReaderAsync(ct);
                        while (await reader.ReadAsync(ct))
                            each.Add($"{reader.GetString(0).Trim('"')} {Format.MiB(reader.GetInt64(1))}");
                    }
                    report.Line(
                        (
                            Invariant($"| `{table}` | {rows:N0} | {Format.MiB(totalBytes)} | ")
                            + Invariant($"{Format.MiB(heap)} | {Format.MiB(indexes)} | ")
                            + Invariant($"{(double)totalBytes / Math.Max(rows, 1):F1} | ")
                            + Invariant($"{(double)heap / Math.Max(rows, 1):F1} | {string.Join("; ", each)} |")
                        )
                    );
                }
                var databaseBytes = await ScalarAsync<long>(admin, "SELECT pg_database_size(current_database())", ct);
                report.Line();
                report.Line(Invariant($"Whole database: {Format.MiB(databaseBytes)}."));
            }

            // ------------------------------------------------------------ live ingest
            report.Heading(
                (
                    Invariant($"## 3. Live ingest: `MetricsSampler.SampleAtAsync`, {LiveTicks} ticks, ")
                    + "then `MetricsCompaction.RunAtAsync`"
                )
            );
            var ticks = new Samples("`MetricsSampler.SampleAtAsync` (4 clusters, one tick), after the first");
            var firstTick = 0.0;
            long liveSamples = 0;
            for (var i = 0; i < LiveTicks; i++)
            {
                var now = End.AddMinutes(i).AddSeconds(2);
                clock.Now = now;
                prometheus.Tick = i;
                Progress($"sampling tick {i}");
                await using var scope = services.CreateAsyncScope();
                var watch = Stopwatch.StartNew();
                var at = await scope.ServiceProvider.GetRequiredService<MetricsSampler>().SampleAtAsync(now, ct);
                if (i == 0)
                    firstTick = watch.Elapsed.TotalMilliseconds;
                else
                    ticks.Add(watch.Elapsed.TotalMilliseconds);
                var written = await scope
                    .ServiceProvider.GetRequiredService<PortalDbContext>()
                    .MetricSamples.CountAsync(s => s.At == at, ct);
                if (written != MonitoringDataSet.Subjects)
                    throw new InvalidOperationException(
                        $"tick {i} wrote {written} samples, expected "
                            + $"{MonitoringDataSet.Subjects} (see the warnings above)"
                    );
                liveSamples += written;
            }
            var subjectsAfter = await CountSubjectsAsync(services, ct);
            report.Line(
                (
                    "Each tick: the sampler reads the 4 clusters' pools, asks the stand-in "
                    + "(Kestrel on loopback, 4 instant queries per cluster, "
                )
                    + (
                        Invariant($"{MonitoringDataSet.NodesPerCluster} nodes and ~1,240 running pods per ")
                        + "cluster, new values every tick) through `PrometheusSource`, "
                    )
                    + (
                        "updates the usage of 1,000 hosts, 200 namespace loads and 5,000 pods, "
                        + Invariant($"marks {MonitoringDataSet.Subjects:N0} subjects sampled and ")
                    )
                    + (
                        Invariant($"inserts {MonitoringDataSet.Subjects:N0} raw samples (checked after ")
                        + Invariant($"each tick: {liveSamples:N0} rows in all; subjects afterwards: ")
                        + Invariant($"{subjectsAfter:N0}, none new). ")
                    )
                    + Invariant($"Stand-in answered {prometheus.Queries} queries.")
            );
            report.Line();
            report.Table([ticks]);
            report.Line(
                (
                    "The first tick (JIT, EF query compilation, first connections) took "
                    + Invariant($"{firstTick:F0} ms and is left out of the table.")
                )
            );
            report.Line();
            report.Line(
                (
                    Invariant($"**{MonitoringDataSet.Subjects / (ticks.Mean / 1000):N0} samples/s** at ")
                    + Invariant($"the mean tick of {ticks.Mean:F0} ms — ")
                ) + Invariant($"{ticks.Mean / 600:F1}% of the one-minute budget.")
            );
            if (ticks.Max > 30_000)
                findings.Add(Invariant($"A sampling tick took up to {ticks.Max:F0} ms: half the minute."));

            var compactAt = End.AddMinutes(LiveTicks).AddSeconds(5);
            clock.Now = compactAt;
            Progress("compaction");
            CompactionOutcome outcome;
            TimeSpan compaction;
            await using (var scope = services.CreateAsyncScope())
            {
                var watch = Stopwatch.StartNew();
                outcome = await scope.ServiceProvider.GetRequiredService<MetricsCompaction>().RunAtAsync(compactAt, ct);
                compaction = watch.Elapsed;
            }
            TimeSpan compactionAgain;
            await using (var scope = services.CreateAsyncScope())
            {
                var watch = Stopwatch.StartNew();
                await scope
                    .ServiceProvider.GetRequiredService<MetricsCompaction>()
                    .RunAtAsync(compactAt.AddSeconds(30), ct);
                compactionAgain = watch.Elapsed;
            }
            report.Line();
            report.Line(
                (
                    Invariant($"`MetricsCompaction.RunAtAsync` at {compactAt:HH:mm:ss} (one finished ")
                    + Invariant($"5-minute bucket of raw samples): **{compaction.TotalMilliseconds:F0} ")
                    + "ms** — "
                )
                    + (
                        Invariant($"{outcome.RolledUp:N0} rollups written, {outcome.RawDeleted:N0} raw ")
                        + Invariant($"samples and {outcome.RollupsDeleted:N0} rollups past retention ")
                        + "deleted, "
                    )
                    + (
                        Invariant($"{outcome.SubjectsForgotten} subjects forgotten. Run again with nothing ")
                        + Invariant($"to roll up: {compactionAgain.TotalMilliseconds:F0} ms.")
                    )
            );

            // ------------------------------------------------------------ queries
            report.Heading("## 4. Server-side time of the chart, dashboard and alert queries");
            var chartNow = clock.Now;
            var random = new Random(11);
            var results = new List<Samples>();
            var ranges = ChartRange.All.ToDictionary(r => r.Name);
            foreach (var range in new[] { "1h", "24h", "7d", "30d" })
            {
                Progress($"ForWorkloadAsync {range}");
                results.Add(
                    await MeasureAsync(
                        services,
                        $"`MetricCharts.ForWorkloadAsync` {range} (random workload of 1,000)",
                        Requests,
                        async (scope, c) =>
                        {
                            var w = data.Workloads[random.Next(data.Workloads.Count)];
                            var set = await scope
                                .ServiceProvider.GetRequiredService<MetricCharts>()
                                .ForWorkloadAsync(
                                    w.TenantId,
                                    w.EnvironmentId,
                                    w.Name,
                                    Guid.NewGuid(),
                                    ranges[range],
                                    c
                                );
                            if (set.Charts[0].Series[0].Points.Count == 0)
                                throw new InvalidOperationException($"workload {w.Name}: no points for {range}");
                        },
                        ct
                    )
                );
            }
            foreach (var range in new[] { "24h", "7d", "30d" })
            {
                Progress($"ForClusterAsync {range}");
                results.Add(
                    await MeasureAsync(
                        services,
                        $"`MetricCharts.ForClusterAsync` {range} (random cluster of 4)",
                        Requests,
                        (scope, c) =>
                            scope
                                .ServiceProvider.GetRequiredService<MetricCharts>()
                                .ForClusterAsync(data.ClusterIds[random.Next(data.ClusterIds.Count)], ranges[range], c),
                        ct
                    )
                );
            }
            foreach (var range in new[] { "24h", "7d" })
            {
                Progress($"ForEnvironmentAsync {range}");
                results.Add(
                    await MeasureAsync(
                        services,
                        $"`MetricCharts.ForEnvironmentAsync` {range} (random environment of 200)",
                        Requests,
                        (scope, c) =>
                        {
                            var e = data.EnvironmentRows[random.Next(data.EnvironmentRows.Count)];
                            return scope
                                .ServiceProvider.GetRequiredService<MetricCharts>()
                                .ForEnvironmentAsync(e.TenantId, e.EnvironmentId, ranges[range], c);
                        },
                        ct
                    )
                );
            }

            Progress("AlertEvaluator.EvaluateAtAsync");
            var evaluations = new Samples(
                "`AlertEvaluator.EvaluateAtAsync` (4 built-in rules, all subjects), steady state"
            );
            EvaluationOutcome? firstOutcome = null;
            double firstEvaluation = 0;
            for (var i = 0; i <= Evaluations; i++)
            {
                await using var scope = services.CreateAsyncScope();
                var watch = Stopwatch.StartNew();
                var evaluated = await scope
                    .ServiceProvider.GetRequiredService<AlertEvaluator>()
                    .EvaluateAtAsync(chartNow.AddSeconds(i), ct);
                if (i == 0)
                {
                    firstEvaluation = watch.Elapsed.TotalMilliseconds;
                    firstOutcome = evaluated;
                }
                else
                {
                    evaluations.Add(watch.Elapsed.TotalMilliseconds);
                }
            }
            int firing;
            await using (var scope = services.CreateAsyncScope())
                firing = await scope
                    .ServiceProvider.GetRequiredService<PortalDbContext>()
                    .Alerts.CountAsync(a => a.State == AlertState.Firing, ct);

            var around = await AroundAlertAsync(services, random, ct);
            if (around is not null)
                results.Add(around);

            Progress("dashboards");
            results.Add(
                await MeasureAsync(
                    services,
                    "`PlatformDashboard.ReadAsync` (all tiles)",
                    Requests,
                    (scope, c) =>
                        ActivatorUtilities.CreateInstance<PlatformDashboard>(scope.ServiceProvider).ReadAsync(c),
                    ct
                )
            );
            results.Add(
                await MeasureAsync(
                    services,
                    "`TenantDashboard.ReadAsync` (random tenant of 100)",
                    Requests,
                    (scope, c) =>
                    {
                        var tenant = data.TenantRows[random.Next(data.TenantRows.Count)];
                        scope.ServiceProvider.GetRequiredService<TenantScope>().Bind(tenant);
                        return ActivatorUtilities
                            .CreateInstance<TenantDashboard>(scope.ServiceProvider)
                            .ReadAsync(tenant.Id, c);
                    },
                    ct
                )
            );

            report.Line(
                "The dashboards are registered by Portal.Web (`MonitoringSetup`); here "
                    + "they are built over the same scope with `ActivatorUtilities`."
            );
            report.Line(
                (
                    Invariant($"In-process, a new DI scope per call, {Warmup} warm-up calls then ")
                    + Invariant($"{Requests} measured, sequential, each call a random subject; ")
                )
                    + (
                        Invariant($"\"now\" = {chartNow:yyyy-MM-dd HH:mm:ss} UTC (the data's end plus the ")
                        + "live ticks). Deploy marks: a random application id is passed, "
                    )
                    + "so the revisions query runs and finds none. Goal: p95 < 150 ms."
            );
            report.Line();
            report.Table(results);
            report.Line(
                (
                    "`AlertEvaluator.EvaluateAtAsync` — the 4 built-in rules over 1,000 "
                    + "workloads, 1,000 nodes and 200 namespaces, reading each rule's "
                )
                    + (
                        Invariant($"duration of raw samples: first evaluation (fires {firstOutcome!.Fired} ")
                        + Invariant($"alerts) **{firstEvaluation:F0} ms**; then {Evaluations} evaluations ")
                    )
                    + (
                        Invariant($"(alerts held): p50 {evaluations.Percentile(0.5):F0} ms, p95 **")
                        + Invariant($"{evaluations.Percentile(0.95):F0} ms**, max {evaluations.Max:F0} ms. ")
                        + Invariant($"Alerts firing afterwards: {firing}.")
                    )
            );
            report.Line();
            foreach (var slow in results.Where(r => r.Percentile(0.95) >= GoalMs))
                findings.Add(
                    Invariant(
                        $"{slow.Name}: p95 {slow.Percentile(0.95):F1} ms, above the {GoalMs:F0} ms goal (plans below)."
                    )
                );
            if (evaluations.Percentile(0.95) >= GoalMs)
                findings.Add(
                    (
                        "`AlertEvaluator.EvaluateAtAsync`: p95 "
                        + Invariant($"{evaluations.Percentile(0.95):F0} ms per evaluation (a background job ")
                        + "each minute, not a page)."
                    )
                );
            var worst = results.MaxBy(r => r.Percentile(0.95))!;
            report.Line(
                Invariant($"**Worst p95 of the page queries: {worst.Percentile(0.95):F1} ms** ({worst.Name}).")
            );

            // ------------------------------------------------------------ plans
            report.Heading(
                "## 5. Plans (EXPLAIN (ANALYZE, BUFFERS), SQL equivalent to what EF sends, one random subject)"
            );
            await using (var admin = new NpgsqlConnection(connectionString))
            {
                await admin.OpenAsync(ct);
                var workloadId = await ScalarAsync<long>(
                    admin,
                    "SELECT \"Id\" FROM \"MetricSubjects\" WHERE \"Kind\" = 'Workload' ORDER BY random() LIMIT 1",
                    ct
                );
                var unixNow = MetricCharts.Unix(chartNow);
                var plans = new (string Name, string Sql)[]
                {
                    (
                        "Workload chart 30d: the rollups of one subject",
                        (
                            Invariant($"SELECT * FROM \"MetricRollups\" WHERE \"SubjectId\" = {workloadId} AND ")
                            + Invariant($"\"At\" >= {unixNow - 30 * 86400L} AND \"At\" <= {unixNow} ORDER BY ")
                            + "\"At\""
                        )
                    ),
                    (
                        "Workload chart 24h: the rollups of one subject",
                        (
                            Invariant($"SELECT * FROM \"MetricRollups\" WHERE \"SubjectId\" = {workloadId} AND ")
                            + Invariant($"\"At\" >= {unixNow - 86400L} AND \"At\" <= {unixNow} ORDER BY \"At\"")
                        )
                    ),
                    (
                        "Alert evaluator: a rule's window of raw samples (workload kind, 2 min + 2 samples)",
                        (
                            "SELECT m.* FROM \"MetricSamples\" AS m WHERE m.\"At\" >= "
                            + Invariant($"{unixNow - 240} AND m.\"At\" <= {unixNow} AND EXISTS (SELECT 1 FROM ")
                            + "\"MetricSubjects\" AS s WHERE s.\"Kind\" = 'Workload' AND s.\"Id\" = "
                            + "m.\"SubjectId\")"
                        )
                    ),
                    (
                        "Compaction: where the rollups end (the last hour first, as MetricsCompaction asks)",
                        (
                            "SELECT max(\"At\") FROM \"MetricRollups\" WHERE \"At\" >= "
                            + Invariant($"{unixNow - unixNow % 300 - 3600}")
                        )
                    ),
                };
                foreach (var (name, sql) in plans)
                {
                    report.Line($"**{name}**");
                    report.Line();
                    report.Line("```");
                    report.Line(sql);
                    report.Line(await ExplainAsync(admin, sql, ct));
                    report.Line("```");
                    report.Line();
                }
            }

            report.Heading("## Findings");
            foreach (var finding in findings)
                report.Line("- " + finding);
            if (findings.Count == 0)
                report.Line("None in this run: every page query is under the goal.");
            report.Line();
            report.Line($"Load average at the end (/proc/loadavg): {File.ReadAllText("/proc/loadavg").Trim()}.");
            report.Line(
                (
                    Invariant($"Total run time: {Format.Seconds(total.Elapsed)} (database {database}")
                    + Invariant($"{(keep ? ", kept" : ", dropped afterwards")}).")
                )
            );

            var resultsFolder = Path.Combine(root, "benchmarks", "results");
            Directory.CreateDirectory(resultsFolder);
            var file = Path.Combine(resultsFolder, Invariant($"{DateTime.UtcNow:yyyy-MM-dd}-monitoring.md"));
            await File.WriteAllTextAsync(file, report.ToString(), CancellationToken.None);
            Progress($"report written to {file}");
            return 0;
        }
        finally
        {
            if (prometheus is not null)
                await prometheus.DisposeAsync();
            await services.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            if (keep)
            {
                Console.Error.WriteLine(
                    $"Database {database} kept: DROP DATABASE \"{database}\" WITH (FORCE) when done."
                );
            }
            else
            {
                await using var admin = new NpgsqlConnection(
                    new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString
                );
                await admin.OpenAsync(CancellationToken.None);
                await ExecuteAsync(
                    admin,
                    $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)",
                    CancellationToken.None
                );
            }
        }
    }

    private static async Task<Samples?> AroundAlertAsync(IServiceProvider services, Random random, CancellationToken ct)
    {
        List<(Alert Alert, AlertMetric Metric)> alerts;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            alerts = (
                await db
                    .Alerts.AsNoTracking()
                    .Join(db.AlertRules, a => a.RuleId, r => r.Id, (a, r) => new { Alert = a, r.Metric })
                    .ToListAsync(ct)
            )
                .Select(x => (x.Alert, x.Metric))
                .ToList();
        }
        if (alerts.Count == 0)
            return null;
        return await MeasureAsync(
            services,
            Invariant($"`MetricCharts.AroundAlertAsync` (random firing alert of {alerts.Count})"),
            Requests,
            (scope, c) =>
            {
                var (alert, metric) = alerts[random.Next(alerts.Count)];
                return scope.ServiceProvider.GetRequiredService<MetricCharts>().AroundAlertAsync(alert, metric, c);
            },
            ct
        );
    }

    private static async Task<Samples> MeasureAsync(
        IServiceProvider services,
        string name,
        int requests,
        Func<AsyncServiceScope, CancellationToken, Task> call,
        CancellationToken ct
    )
    {
        var samples = new Samples(name);
        for (var i = 0; i < Warmup + requests; i++)
        {
            await using var scope = services.CreateAsyncScope();
            var watch = Stopwatch.StartNew();
            await call(scope, ct);
            if (i >= Warmup)
                samples.Add(watch.Elapsed.TotalMilliseconds);
        }
        return samples;
    }

    private static async Task<int> CountSubjectsAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<PortalDbContext>().MetricSubjects.CountAsync(ct);
    }

    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + sql, connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var plan = new StringBuilder();
        while (await reader.ReadAsync(ct))
            plan.AppendLine(reader.GetString(0));
        return plan.ToString().TrimEnd();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// "Now" as the data has it, moved by the benchmark: charts and dashboards read their range from it.
    /// </summary>
    private sealed class BenchClock(DateTime now) : TimeProvider
    {
        public DateTime Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => new(Now, TimeSpan.Zero);
    }

    private sealed class NoNotifications : IAlertNotificationQueue
    {
        public void Enqueue(Guid alertId)
        {
            // Notifications are delivered by a job in the portal; the benchmark times the evaluation only.
        }
    }
}
