using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Infrastructure.Persistence;
using Portal.Sandbox.Api;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// `-- --tenfold [--scale 0.1] [--requests N] [--keep-databases] [--throughput-only | --live-only]`: issue 17's
/// ten-times world on PostgreSQL, the real portal over HTTP on it (every GET page and API list, crawled from the
/// endpoint data source with real ids), the application list's throughput under wrk against a bare baseline page,
/// the cluster watch's currency at 1,000 changes/s, 1,000 SignalR followers and the portal's peak RSS; written to
/// benchmarks/results/&lt;date&gt;-tenfold.md (`--throughput-only`: the world and the wrk section only;
/// `--live-only`: the world, the watch's currency, the push and the RSS only).
/// </summary>
internal static partial class TenfoldBenchmark
{
    private const double PageBudgetMs = 100;
    private const double DashboardBudgetMs = 150;
    private const double TailBudgetMs = 300;
    private const double ThroughputGoal = 0.5;
    private const double CurrencyGoalMs = 1000;
    private const double PushGoalMs = 500;
    private const long RssGoalBytes = 500L << 20;
    private const int ChangesPerSecond = 1000;
    private const int Followers = 1000;

    private sealed record RouteResult(string Pattern, string Url, string Kind, Samples Samples, int Status);

    public static async Task<int> RunAsync(string root, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (PostgresPortal.Server is not { } server)
        {
            Console.Error.WriteLine($"Set {PostgresPortal.ServerVariable} to run the tenfold benchmark.");
            return 2;
        }
        var scale = Argument(args, "--scale", 1.0);
        var requests = (int)Argument(args, "--requests", 30);
        var changeSeconds = (int)Argument(args, "--change-seconds", 60);
        var metricDays = (int)Argument(args, "--metric-days", TenfoldWorld.MetricDays);
        // Only the world and §3 (wrk): for working on the application list's throughput without the rest.
        var throughputOnly = args.Contains("--throughput-only");
        // Only the world and §4–§5: for working on the watch, the push and memory without the rest.
        var liveOnly = args.Contains("--live-only");
        var clock = Stopwatch.StartNew();
        void Progress(string what) =>
            Console.Error.WriteLine(Invariant($"[{clock.Elapsed.TotalSeconds, 7:F1}s] {what}"));

        var report = new Report();
        var verdicts = new List<string>();
        var findings = new List<string>();
        report.Line(Invariant($"# Ten times the seed — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, scale {scale}"));
        report.Line();
        report.Line(
            "`PORTAL_TEST_POSTGRES=… dotnet run -c Release --project benchmarks/Portal.Benchmarks -- --tenfold "
                + Invariant($"--scale {scale}` — issue 17 §1. A throw-away PostgreSQL database; three sandbox ")
                + "clusters in the benchmark process; the real portal (`src/Portal.Web`, child process, cluster watch "
                + "and job server on, `Portal:Benchmarks:BaselinePage=true`) on that database."
        );
        if (throughputOnly)
            report.Line(
                "`--throughput-only`: the world (§1) and the wrk throughput (§3) only; no crawl, watch or RSS."
            );
        if (liveOnly)
            report.Line("`--live-only`: the world (§1), the watch and push (§4), RSS (§5) only; no crawl or wrk.");
        report.Heading("## Machine");
        report.Lines(Machine.Describe());

        var world = new TenfoldWorld(scale);
        await using var portal = await PostgresPortal.CreateAsync(server, "tenfold", ct);
        portal.Keep = args.Contains("--keep-databases");
        Progress($"database {portal.Database}; starting 3 sandbox clusters with {world.Hosts} nodes");
        await world.StartClustersAsync(ct);
        try
        {
            var settings = new Dictionary<string, string>
            {
                ["Portal:Database:Provider"] = "Postgres",
                ["Portal:Clusters:Watch"] = "true",
                ["Portal:Jobs:RunServer"] = "true",
                ["Portal:Benchmarks:BaselinePage"] = "true",
            };
            var web = await WebProcess.StartAsync(root, portal.ConnectionString, settings, ct);
            await using (web)
            {
                using var api = await PortalApi.SignInAsync(web, ct);
                await SeedAsync(report, world, api, portal, metricDays, Progress, ct);
                if (portal.Keep)
                    Progress($"kept: database {portal.Database}, {WebProcess.AdminEmail} / {web.Password}");
                if (!throughputOnly && !liveOnly)
                {
                    var crawl = await CrawlAsync(
                        report,
                        root,
                        world,
                        web,
                        api,
                        portal.Services,
                        requests,
                        Progress,
                        ct
                    );
                    verdicts.AddRange(crawl);
                }
                if (!liveOnly)
                    verdicts.AddRange(await ThroughputAsync(report, web, Progress, ct));
                if (!throughputOnly)
                {
                    verdicts.AddRange(
                        await CurrencyAsync(report, world, web, portal.Services, changeSeconds, Progress, findings, ct)
                    );
                    verdicts.Add(PeakRss(report, web.ProcessId));
                    if (!liveOnly)
                        await ExplainSlowestAsync(report, portal.ConnectionString, ct);
                }
            }
        }
        finally
        {
            foreach (var cluster in world.Clusters)
                await cluster.DisposeAsync();
        }

        report.Heading("## Verdict");
        report.Line("| figure | measured | goal | |");
        report.Line("|---|---:|---:|---|");
        foreach (var verdict in verdicts)
            report.Line(verdict);
        report.Heading("## Findings");
        foreach (var finding in findings)
            report.Line("- " + finding);
        if (findings.Count == 0)
            report.Line("None beyond the verdict.");
        report.Line();
        report.Line(Invariant($"Total run time: {Format.Seconds(clock.Elapsed)}."));
        var results = Path.Combine(root, "benchmarks", "results");
        Directory.CreateDirectory(results);
        var suffix =
            (scale >= 1 ? "" : Invariant($"-{scale}"))
            + (throughputOnly ? "-throughput" : "")
            + (liveOnly ? "-live" : "");
        var file = Path.Combine(results, Invariant($"{DateTime.UtcNow:yyyy-MM-dd}-tenfold{suffix}.md"));
        await File.WriteAllTextAsync(file, report.ToString(), CancellationToken.None);
        Progress($"report written to {file}");
        return 0;
    }

    private static double Argument(IReadOnlyList<string> args, string name, double fallback)
    {
        var at = args.ToList().IndexOf(name);
        return at >= 0 && at + 1 < args.Count ? double.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static async Task SeedAsync(
        Report report,
        TenfoldWorld world,
        PortalApi api,
        PostgresPortal portal,
        int metricDays,
        Action<string> progress,
        CancellationToken ct
    )
    {
        await world.SeedThroughApiAsync(api, portal.Services, progress, ct);
        await world.SeedHistoryAsync(portal.Services, progress, ct);
        world.SeedPods();
        progress(Invariant($"{world.Pods:N0} pods in the sandboxes; waiting for the watch to write them"));
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            await using var scope = portal.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var rows = await db.WorkloadPods.CountAsync(ct);
            if (rows >= world.Pods)
                break;
            if (waiting.Elapsed > TimeSpan.FromMinutes(10))
                throw new TimeoutException(Invariant($"the watch wrote {rows} of {world.Pods} pods in 10 min"));
            await Task.Delay(500, ct);
        }
        world.Took["pods"] = world.Took["pods"] with { Took = world.Took["pods"].Took + waiting.Elapsed };
        await world.SeedBulkAsync(portal.Services, progress, ct);

        progress("metrics");
        var metricsClock = Stopwatch.StartNew();
        var data = new MonitoringDataSet();
        await using (var scope = portal.Services.CreateAsyncScope())
            data.ClusterIds.AddRange(
                await scope
                    .ServiceProvider.GetRequiredService<PortalDbContext>()
                    .Clusters.Select(c => c.Id)
                    .ToListAsync(ct)
            );
        var end = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 300 * 300;
        // The portal's sampler has been running since it started: its few minutes of subjects and samples make way for
        // the 30-day history (it reads its subjects afresh each cycle and finds these).
        await using (var connection = new NpgsqlConnection(portal.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var clear = new NpgsqlCommand(
                "TRUNCATE \"MetricSamples\", \"MetricRollups\", \"MetricSubjects\" CASCADE",
                connection
            );
            await clear.ExecuteNonQueryAsync(ct);
        }
        await data.SeedSubjectsAsync(portal.Services, end - 60, ct, withPods: false, checkCount: false);
        var rollups = await data.CopyAsync(
            portal.ConnectionString,
            "MetricRollups",
            end - metricDays * 86400L,
            end,
            300,
            progress,
            ct
        );
        var samples = await data.CopyAsync(portal.ConnectionString, "MetricSamples", end - 3600, end, 60, progress, ct);
        world.Took["metrics"] = new(
            (int)(rollups + samples),
            metricsClock.Elapsed,
            Invariant($"binary COPY (`MonitoringDataSet`): {metricDays} days of 5-minute rollups ")
                + "and the last hour of minute samples for every cluster, host, namespace and workload "
                + Invariant($"({rollups:N0} + {samples:N0} rows); pods have no 30-day history here")
        );
        await using (var connection = new NpgsqlConnection(portal.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var analyze = new NpgsqlCommand("VACUUM ANALYZE", connection) { CommandTimeout = 0 };
            await analyze.ExecuteNonQueryAsync(ct);
        }

        report.Heading("## 1. The world");
        report.Line(
            Invariant($"{world.Tenants} tenants (`{TenfoldWorld.BusyTenant}` with {world.BusyApplications:N0} ")
                + Invariant($"applications), {world.Applications:N0} applications, {world.Hosts:N0} hosts over 3 ")
                + "sandbox clusters (one pool each), two environments (`dev`, `prod`) per tenant."
        );
        report.Line();
        report.Line("| rows | count | time | how |");
        report.Line("|---|---:|---:|---|");
        foreach (var (what, seeded) in world.Took)
            report.Line(Invariant($"| {what} | {seeded.Rows:N0} | {Format.Seconds(seeded.Took)} | {seeded.How} |"));
        report.Line();
        report.Line(
            "Hosts are the sandbox's nodes, written by the portal's own cluster watch after registration; the "
                + "`pods` time includes the watch's list and flush."
        );
    }

    // ---------------------------------------------------------------- crawl

    private static async Task<IEnumerable<string>> CrawlAsync(
        Report report,
        string root,
        TenfoldWorld world,
        WebProcess web,
        PortalApi api,
        IServiceProvider services,
        int requests,
        Action<string> progress,
        CancellationToken ct
    )
    {
        progress("enumerating routes");
        var patterns = GetRoutes(root);
        var values = await RouteValuesAsync(world, services, ct);
        var platformValues = await PlatformRouteValuesAsync(values, services, ct);
        var results = new List<RouteResult>();
        var skipped = new List<string>();
        foreach (var pattern in patterns)
        {
            var url = Fill(pattern, IsTenants(pattern) ? values : platformValues, out var missing);
            if (url is null)
            {
                skipped.Add($"`{pattern}` (no value for `{missing}`)");
                continue;
            }
            url += QueryOf(pattern);
            var client = pattern.StartsWith("api/", StringComparison.Ordinal) ? api.Client : web.Client;
            var samples = new Samples($"`{pattern}`");
            var status = 0;
            for (var i = 0; i < requests + 3; i++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead, ct);
                watch.Stop();
                status = (int)response.StatusCode;
                if (i >= 3)
                    samples.Add(watch.Elapsed.TotalMilliseconds);
                if (status >= 300 && i == 0)
                    break;
            }
            results.Add(new RouteResult(pattern, url, KindOf(pattern), samples, status));
            if (results.Count % 20 == 0)
                progress(Invariant($"{results.Count} routes measured"));
        }
        progress(Invariant($"{results.Count} routes measured, {skipped.Count} skipped"));

        report.Heading("## 2. Every page and API list (real portal over HTTP)");
        report.Line(
            Invariant($"{patterns.Count} GET routes from the portal's `EndpointDataSource` (read in-process from ")
                + "`PortalFactory`, as the tenant-isolation test does), filled with real ids of the seeded world "
                + Invariant($"(tenant `{TenfoldWorld.BusyTenant}`, its first application, `dev`, …). Pages with the ")
                + "platform admin's cookie session (login form), `/api/` with a bearer token (CLI's code flow). "
                + Invariant($"3 warm-up requests then {requests} measured each, sequential, body read in full; ")
                + "client-side time on loopback. Budgets: pages and lists p95 < 100 ms, dashboards p95 < 150 ms, "
                + "all p99 < 300 ms."
        );
        report.Line();
        report.Line("| route | kind | status | p50 ms | p95 ms | p99 ms | over budget |");
        report.Line("|---|---|---:|---:|---:|---:|---|");
        var over = new List<RouteResult>();
        foreach (var r in results.OrderByDescending(r => r.Samples.Count == 0 ? 0 : r.Samples.Percentile(0.95)))
        {
            if (r.Samples.Count == 0)
            {
                report.Line(Invariant($"| `{r.Url}` | {r.Kind} | {r.Status} | | | | not measured (not 2xx) |"));
                continue;
            }
            var budget = r.Kind == "dashboard" ? DashboardBudgetMs : PageBudgetMs;
            var p95 = r.Samples.Percentile(0.95);
            var p99 = r.Samples.Percentile(0.99);
            var flags = new List<string>();
            if (p95 >= budget)
                flags.Add(Invariant($"p95 ≥ {budget:F0}"));
            if (p99 >= TailBudgetMs)
                flags.Add(Invariant($"p99 ≥ {TailBudgetMs:F0}"));
            if (flags.Count > 0)
                over.Add(r);
            report.Line(
                Invariant($"| `{r.Url}` | {r.Kind} | {r.Status} | {r.Samples.Percentile(0.5):F1} | {p95:F1} | ")
                    + Invariant($"{p99:F1} | {(flags.Count == 0 ? "" : "**" + string.Join(", ", flags) + "**")} |")
            );
        }
        report.Line();
        if (skipped.Count > 0)
            report.Line("Not crawled (no seeded object to name): " + string.Join("; ", skipped) + ".");
        Slowest = results.Where(r => r.Samples.Count > 0).OrderByDescending(r => r.Samples.Percentile(0.95)).Take(3);
        var measured = results.Count(r => r.Samples.Count > 0);
        return
        [
            Invariant($"| routes within budget | {measured - over.Count} of {measured} | all | ")
                + (over.Count == 0 ? "met" : "**missed**: " + string.Join(", ", over.Select(o => $"`{o.Pattern}`")))
                + " |",
        ];
    }

    private static IEnumerable<RouteResult> Slowest { get; set; } = [];

    /// <summary>The GET routes of the portal, as its endpoint data source has them.</summary>
    private static List<string> GetRoutes(string root)
    {
        // The test host finds the portal's content root from the tests' folder; from here it is told.
        Environment.SetEnvironmentVariable(
            "ASPNETCORE_TEST_CONTENTROOT_PORTAL_WEB",
            Path.Combine(root, "src", "Portal.Web")
        );
        using var factory = new Portal.Web.Tests.Support.PortalFactory(Portal.Web.Tests.Support.DatabaseKind.Sqlite);
        return factory
            .Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Contains("GET"))
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p =>
                !p.StartsWith("hubs/", StringComparison.Ordinal)
                && !p.StartsWith("connect/", StringComparison.Ordinal)
                && !p.StartsWith("health/", StringComparison.Ordinal)
                && !p.StartsWith("openapi", StringComparison.Ordinal)
                && !p.StartsWith("account/", StringComparison.Ordinal)
                && !p.StartsWith("error", StringComparison.Ordinal)
                && !p.StartsWith("jobs", StringComparison.Ordinal)
                && !p.Contains("benchmarks/", StringComparison.Ordinal)
                && !p.Contains("/logs", StringComparison.Ordinal)
                && !p.Contains("/stream", StringComparison.Ordinal)
                && !p.Contains("/events", StringComparison.Ordinal)
                && !p.Contains("/download", StringComparison.Ordinal)
            )
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string KindOf(string pattern) =>
        pattern.StartsWith("api/", StringComparison.Ordinal) ? "api"
        : pattern.Length == 0
        || pattern.Contains("monitoring", StringComparison.Ordinal)
        || pattern.EndsWith("dashboard", StringComparison.Ordinal)
            ? "dashboard"
        : "page";

    private static string? Fill(string pattern, IReadOnlyDictionary<string, string> values, out string? missing)
    {
        string? absent = null;
        var url =
            "/"
            + RouteParameter()
                .Replace(pattern, m =>
                {
                    if (values.TryGetValue(m.Groups[1].Value, out var value))
                        return Uri.EscapeDataString(value);
                    if (m.Groups[2].Value.Contains('?', StringComparison.Ordinal))
                        return "";
                    absent ??= m.Groups[1].Value;
                    return "";
                })
                .TrimEnd('/');
        missing = absent;
        return absent is null ? url : null;
    }

    private static bool IsTenants(string pattern) => pattern.Contains("{tenant}", StringComparison.Ordinal);

    /// <summary>What a route needs besides its path to answer 200, as its page's links send it.</summary>
    private static string QueryOf(string pattern) =>
        pattern.EndsWith("/promotion", StringComparison.Ordinal) ? "?from=dev&to=prod"
        : pattern.Contains("/metrics/apps/", StringComparison.Ordinal)
        || pattern.Contains("/metrics/instances/", StringComparison.Ordinal)
            ? "?environment=dev"
        : "";

    /// <summary>
    /// The values of the platform's own routes (no tenant in the path): its own alert rule rather than a tenant's.
    /// </summary>
    private static async Task<Dictionary<string, string>> PlatformRouteValuesAsync(
        IReadOnlyDictionary<string, string> tenantValues,
        IServiceProvider services,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var values = new Dictionary<string, string>(tenantValues, StringComparer.Ordinal);
        values.Remove("ruleId");
        var rule = await db
            .AlertRules.IgnoreQueryFilters()
            .Where(r => r.TenantId == null)
            .Select(r => (Guid?)r.Id)
            .FirstOrDefaultAsync(ct);
        if (rule is not null)
            values["ruleId"] = rule.Value.ToString();
        return values;
    }

    [GeneratedRegex(@"\{\*?\*?(\w+)(:[^}]*|\?)?\}")]
    private static partial Regex RouteParameter();

    private static async Task<Dictionary<string, string>> RouteValuesAsync(
        TenfoldWorld world,
        IServiceProvider services,
        CancellationToken ct
    )
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var tenant = await db.Tenants.SingleAsync(t => t.Slug == TenfoldWorld.BusyTenant, ct);
        var app = TenfoldWorld.AppName(0, 0);
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["tenant"] = tenant.Slug,
            ["app"] = app,
            ["environment"] = "dev",
            ["revision"] = "1",
            ["from"] = "1",
            ["to"] = "2",
            ["cluster"] = world.ClusterNames[0],
            ["pool"] = "pool-0",
            ["area"] = "monitoring",
        };
        void Add(string key, object? value)
        {
            if (value is not null)
                values[key] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }
        Add(
            "pod",
            await db
                .WorkloadPods.Where(p => p.App == app && p.Namespace == tenant.Slug + "-dev")
                .Select(p => p.Name)
                .FirstOrDefaultAsync(ct)
        );
        Add("host", await db.Hosts.OrderBy(h => h.Name).Select(h => h.Name).FirstOrDefaultAsync(ct));
        var instance = await db
            .MiddlewareInstances.IgnoreQueryFilters()
            // In the environment the routes name ("dev"): the tenant's first instance by name may be in another.
            .Where(i =>
                i.TenantId == tenant.Id
                && db.Environments.IgnoreQueryFilters().Any(e => e.Id == i.EnvironmentId && e.Name == "dev")
            )
            .OrderBy(i => i.Name)
            .FirstOrDefaultAsync(ct);
        Add("instance", instance?.Name);
        var template = instance is null
            ? null
            : await db.MiddlewareTemplates.SingleAsync(t => t.Id == instance.TemplateId, ct);
        Add("template", template?.Name);
        Add("version", template?.LatestVersion()?.Version);
        Add("plan", template?.DefaultPlan()?.Name);
        Add(
            "ruleId",
            await db
                .AlertRules.IgnoreQueryFilters()
                .Where(r => r.TenantId == tenant.Id)
                .Select(r => (Guid?)r.Id)
                .FirstOrDefaultAsync(ct)
        );
        Add(
            "operationId",
            await db
                .Operations.IgnoreQueryFilters()
                .Where(o => o.TenantId == tenant.Id)
                .Select(o => (Guid?)o.Id)
                .FirstOrDefaultAsync(ct)
        );
        Add(
            "memberId",
            await db
                .Memberships.IgnoreQueryFilters()
                .Where(m => m.TenantId == tenant.Id)
                .Select(m => (Guid?)m.Id)
                .FirstOrDefaultAsync(ct)
        );
        return values;
    }

    // ---------------------------------------------------------------- wrk

    private static async Task<IEnumerable<string>> ThroughputAsync(
        Report report,
        WebProcess web,
        Action<string> progress,
        CancellationToken ct
    )
    {
        var cookie = web.Cookies.GetCookieHeader(web.BaseAddress);
        var list = new Uri(web.BaseAddress, $"/t/{TenfoldWorld.BusyTenant}/apps").ToString();
        var baseline = new Uri(web.BaseAddress, $"/t/{TenfoldWorld.BusyTenant}/benchmarks/baseline-apps").ToString();
        using (var check = await web.Client.GetAsync(baseline, ct))
            if (check.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"the baseline page answered {(int)check.StatusCode}");
        progress("wrk: application list");
        var listRate = await WrkAsync(list, cookie, ct);
        progress("wrk: baseline");
        var baselineRate = await WrkAsync(baseline, cookie, ct);
        var ratio = listRate.Rate / baselineRate.Rate;
        report.Heading("## 3. Throughput of the application list under wrk");
        report.Line(
            "`wrk -t2 -c32 -d15s` with the signed-in session's cookie (`-H Cookie:`), after a 5 s warm-up run of "
                + "each; both in the same portal process, one after the other. The baseline is "
                + "`BaselinePageController` (`Portal:Benchmarks:BaselinePage=true` only): the same first 20 rows "
                + "of the same tenant with one hand-written Npgsql query and a layout-less Razor view, behind the "
                + "same sign-in and tenant policy."
        );
        report.Line();
        report.Line("| page | requests/s | latency p50 | p99 | non-2xx |");
        report.Line("|---|---:|---:|---:|---:|");
        report.Line(
            Invariant($"| `/t/{TenfoldWorld.BusyTenant}/apps` | {listRate.Rate:F0} | {listRate.P50} | ")
                + Invariant($"{listRate.P99} | {listRate.Errors} |")
        );
        report.Line(
            Invariant($"| baseline | {baselineRate.Rate:F0} | {baselineRate.P50} | {baselineRate.P99} | ")
                + Invariant($"{baselineRate.Errors} |")
        );
        report.Line();
        report.Line(Invariant($"Ratio: **{ratio:P0}** of the baseline."));
        return
        [
            Invariant($"| application list throughput / baseline (wrk, 32 connections) | {ratio:P0} ")
                + Invariant($"({listRate.Rate:F0} / {baselineRate.Rate:F0} req/s) | ≥ 50% | ")
                + Invariant($"{(ratio >= ThroughputGoal ? "met" : "**missed**")} |"),
        ];
    }

    private sealed record WrkResult(double Rate, string P50, string P99, string Errors);

    private static async Task<WrkResult> WrkAsync(string url, string cookie, CancellationToken ct)
    {
        await RunWrkAsync(url, cookie, 5, ct);
        var output = await RunWrkAsync(url, cookie, 15, ct);
        var rate = Regex.Match(output, @"Requests/sec:\s+([\d.]+)");
        if (!rate.Success)
            throw new InvalidOperationException("wrk printed no rate:\n" + output);
        string Field(string pattern) => Regex.Match(output, pattern) is { Success: true } m ? m.Groups[1].Value : "";
        return new WrkResult(
            double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture),
            Field(@"\s50%\s+(\S+)"),
            Field(@"\s99%\s+(\S+)"),
            Field(@"Non-2xx or 3xx responses:\s+(\d+)") is { Length: > 0 } e ? e : "0"
        );
    }

    private static async Task<string> RunWrkAsync(string url, string cookie, int seconds, CancellationToken ct)
    {
        var start = new ProcessStartInfo("wrk")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (
            var arg in new[] { "-t2", "-c32", Invariant($"-d{seconds}s"), "--latency", "-H", "Cookie: " + cookie, url }
        )
            start.ArgumentList.Add(arg);
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = await wrk.StandardOutput.ReadToEndAsync(ct);
        await wrk.WaitForExitAsync(ct);
        return output;
    }

    // ---------------------------------------------------------------- watch currency, SignalR, RSS

    private static async Task<IEnumerable<string>> CurrencyAsync(
        Report report,
        TenfoldWorld world,
        WebProcess web,
        IServiceProvider services,
        int seconds,
        Action<string> progress,
        List<string> findings,
        CancellationToken ct
    )
    {
        // Followers: one connection per followed application (the apps whose pods change), as many browsers would.
        var followed = world.PodIndex.Select(p => (p.Tenant, p.App)).Distinct().Take(Followers).ToList();
        var pushLatency = new Samples("pod change in the sandbox → `statusChanged` at a follower");
        var changedAt = new ConcurrentDictionary<string, (long At, int Restarts)>(StringComparer.Ordinal);
        var connections = new List<HubConnection>();
        var connecting = Stopwatch.StartNew();
        progress(Invariant($"opening {followed.Count} SignalR connections"));
        try
        {
            await Parallel.ForEachAsync(
                followed,
                new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                async (f, c) =>
                {
                    var hub = new HubConnectionBuilder()
                        .WithUrl(new Uri(web.BaseAddress, "/hubs/applications"), o => o.Cookies = web.Cookies)
                        .Build();
                    hub.On<JsonElement>("statusChanged", update =>
                    {
                        var at = Stopwatch.GetTimestamp();
                        if (update.GetProperty("status").TryGetProperty("pods", out var pods))
                            foreach (var pod in pods.EnumerateArray())
                            {
                                var name = pod.GetProperty("name").GetString()!;
                                if (
                                    changedAt.TryGetValue(name, out var change)
                                    && pod.TryGetProperty("restarts", out var restarts)
                                    && restarts.GetInt32() >= change.Restarts
                                    && changedAt.TryRemove(name, out _)
                                )
                                    lock (pushLatency)
                                        pushLatency.Add(Stopwatch.GetElapsedTime(change.At, at).TotalMilliseconds);
                            }
                    });
                    await hub.StartAsync(c);
                    await hub.InvokeAsync<JsonElement>("Follow", f.Tenant, f.App, c);
                    lock (connections)
                        connections.Add(hub);
                }
            );
            connecting.Stop();
            progress(Invariant($"{connections.Count} connected in {Format.Seconds(connecting.Elapsed)}"));

            // The change: a container restart (restartCount + 1), which the pod's row and its page show.
            var isFollowed = followed.ToHashSet();
            var targets = world.PodIndex.Where(p => isFollowed.Contains((p.Tenant, p.App))).ToList();
            var restartsOf = new Dictionary<string, int>(StringComparer.Ordinal);
            var currency = new Samples("pod change in the sandbox → its `WorkloadPods` row");
            var sampled = new ConcurrentDictionary<(string Ns, string Pod), (long At, int Restarts)>();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var timeline = new ConcurrentQueue<(DateTime ChangedAt, double Ms)>();
            var polling = Task.Run(
                () => PollRowsAsync(services, sampled, currency, timeline, stop.Token),
                CancellationToken.None
            );
            progress(Invariant($"{ChangesPerSecond} changes/s for {seconds} s"));
            var generating = Stopwatch.StartNew();
            long made = 0;
            while (generating.Elapsed < TimeSpan.FromSeconds(seconds))
            {
                var due = (long)(generating.Elapsed.TotalSeconds * ChangesPerSecond);
                for (; made < due; made++)
                {
                    var (cluster, ns, pod, _, _) = targets[(int)(made % targets.Count)];
                    var restarts = restartsOf[pod] = restartsOf.GetValueOrDefault(pod) + 1;
                    var at = Stopwatch.GetTimestamp();
                    cluster.Objects.Mutate(ResourceKinds.Pod, ns, pod, o =>
                    {
                        o["status"]!["containerStatuses"]![0]!["restartCount"] = restarts;
                        return true;
                    });
                    changedAt[pod] = (at, restarts);
                    if (made % 10 == 0)
                        sampled[(ns, pod)] = (at, restarts);
                }
                await Task.Delay(5, ct);
            }
            var rate = made / generating.Elapsed.TotalSeconds;
            await Task.Delay(3000, ct);
            await stop.CancelAsync();
            await polling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            var unseen = sampled.Count;

            report.Heading("## 4. Cluster watch currency and SignalR push");
            report.Line(
                Invariant($"{made:N0} pod changes ({rate:F0}/s for {seconds} s) made in the sandboxes' stores ")
                    + "(`ResourceRegistry.Mutate`: a container's `restartCount` + 1, which the watch streams to the "
                    + Invariant($"portal) over {targets.Count:N0} pods of {followed.Count} applications. Every 10th ")
                    + "change was followed to its `WorkloadPods` row (the table the pages read), polled every 25 ms "
                    + Invariant($"({unseen} never seen within 3 s of the end). {connections.Count} SignalR ")
                    + "connections (`/hubs/applications`, the admin's cookie, `Follow(tenant, app)`), one per "
                    + Invariant($"changed application, opened in {Format.Seconds(connecting.Elapsed)}; a push counts ")
                    + "when a follower first sees the pod with the new restart count."
            );
            report.Line();
            report.Table([currency, pushLatency]);
            ReportTimeline(report, timeline);
            return
            [
                Verdict("pod change → page's data, p95 (1,000 changes/s)", currency.Percentile(0.95), CurrencyGoalMs),
                Verdict(
                    Invariant($"SignalR push p95 ({connections.Count} connections)"),
                    pushLatency.Percentile(0.95),
                    PushGoalMs
                ),
            ];
        }
        finally
        {
            foreach (var hub in connections)
                await hub.DisposeAsync();
        }
    }

    private static async Task PollRowsAsync(
        IServiceProvider services,
        ConcurrentDictionary<(string Ns, string Pod), (long At, int Restarts)> sampled,
        Samples currency,
        ConcurrentQueue<(DateTime ChangedAt, double Ms)> timeline,
        CancellationToken ct
    )
    {
        List<Guid> clusters;
        await using (var first = services.CreateAsyncScope())
            clusters = await first
                .ServiceProvider.GetRequiredService<PortalDbContext>()
                .Clusters.Select(c => c.Id)
                .ToListAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            var pending = sampled.Keys.Take(500).ToList();
            if (pending.Count > 0)
            {
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
                // By the rows' unique index (cluster, namespace, name): the poll must not scan 50,000 rows 40 times
                // a second beside the portal it measures.
                var namespaces = pending.Select(p => p.Ns).Distinct().ToList();
                var names = pending.Select(p => p.Pod).ToList();
                var rows = await db
                    .WorkloadPods.AsNoTracking()
                    .Where(p =>
                        clusters.Contains(p.ClusterId) && namespaces.Contains(p.Namespace) && names.Contains(p.Name)
                    )
                    .Select(p => new
                    {
                        p.Namespace,
                        p.Name,
                        p.Restarts,
                    })
                    .ToListAsync(ct);
                var now = Stopwatch.GetTimestamp();
                foreach (var row in rows)
                {
                    if (
                        sampled.TryGetValue((row.Namespace, row.Name), out var change)
                        && row.Restarts >= change.Restarts
                        && sampled.TryRemove((row.Namespace, row.Name), out _)
                    )
                    {
                        var ms = Stopwatch.GetElapsedTime(change.At, now).TotalMilliseconds;
                        currency.Add(ms);
                        timeline.Enqueue((DateTime.UtcNow - TimeSpan.FromMilliseconds(ms), ms));
                    }
                }
            }
            await Task.Delay(25, ct);
        }
    }

    /// <summary>
    /// The watch's currency by 5-second window of the change's time: periodic work in the portal (the metrics sampler,
    /// the alert evaluator, both at the minute) shows as windows slower than the rest.
    /// </summary>
    private static void ReportTimeline(Report report, ConcurrentQueue<(DateTime ChangedAt, double Ms)> timeline)
    {
        var windows = timeline
            .GroupBy(t => new DateTime(t.ChangedAt.Ticks - t.ChangedAt.Ticks % (TimeSpan.TicksPerSecond * 5)))
            .OrderBy(w => w.Key)
            .Select(w =>
            {
                var window = new Samples("");
                foreach (var (_, ms) in w)
                    window.Add(ms);
                return Invariant($"{w.Key:HH:mm:ss} {window.Percentile(0.5):F0}/{window.Percentile(0.95):F0}");
            });
        report.Line();
        report.Line(
            "The watch's currency by 5-second window of the change (UTC start of the window, p50/p95 ms): "
                + string.Join(", ", windows)
                + "."
        );
    }

    private static string PeakRss(Report report, int processId)
    {
        var status = File.ReadAllLines($"/proc/{processId}/status");
        long Kib(string key) =>
            long.Parse(
                status.Single(l => l.StartsWith(key, StringComparison.Ordinal)).Split(':')[1].Trim().Split(' ')[0],
                CultureInfo.InvariantCulture
            );
        var peak = Kib("VmHWM") * 1024;
        var now = Kib("VmRSS") * 1024;
        report.Heading("## 5. Portal process memory");
        report.Line(
            Invariant($"Peak resident set (`VmHWM` of /proc/{processId}/status) over the whole run: ")
                + Invariant($"**{Format.MiB(peak)}**; resident at the end: {Format.MiB(now)}.")
        );
        return Invariant(
            $"| portal peak RSS | {Format.MiB(peak)} | < 500 MiB | {(peak < RssGoalBytes ? "met" : "**missed**")} |"
        );
    }

    private static async Task ExplainSlowestAsync(Report report, string connectionString, CancellationToken ct)
    {
        report.Heading("## 6. The slowest routes");
        foreach (var r in Slowest)
            report.Line(
                Invariant(
                    $"- `{r.Url}`: p95 {r.Samples.Percentile(0.95):F1} ms, p99 {r.Samples.Percentile(0.99):F1} ms"
                )
            );
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables ORDER BY n_live_tup DESC LIMIT 12",
            connection
        );
        await using var reader = await command.ExecuteReaderAsync(ct);
        report.Line();
        report.Line("Largest tables: " + string.Join(", ", await ReadAllAsync(reader, ct)) + ".");
    }

    private static async Task<List<string>> ReadAllAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var rows = new List<string>();
        while (await reader.ReadAsync(ct))
            rows.Add(Invariant($"`{reader.GetString(0)}` {reader.GetInt64(1):N0}"));
        return rows;
    }

    private static string Verdict(string figure, double measuredMs, double goalMs) =>
        Invariant(
            $"| {figure} | {measuredMs:F1} ms | < {goalMs:F0} ms | {(measuredMs < goalMs ? "met" : "**missed**")} |"
        );
}
