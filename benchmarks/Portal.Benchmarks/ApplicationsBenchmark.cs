using System.Diagnostics;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// `-- --applications`: the figures of the application lifecycle on PostgreSQL — the list and detail pages' queries
/// at 1,200 applications and 5,000 pods, a pod's change in the sandbox to the browser, 100 deploys at once — written to
/// benchmarks/results/&lt;date&gt;-applications.md. `--keep-databases` leaves the databases behind for psql.
/// </summary>
internal static class ApplicationsBenchmark
{
    private const double PageGoalMs = 100;
    private const double LiveGoalMs = 1000;

    public static async Task<int> RunAsync(string root, IReadOnlyList<string> args, CancellationToken ct)
    {
        if (PostgresPortal.Server is not { } server)
        {
            Console.Error.WriteLine(
                $"Set {PostgresPortal.ServerVariable} (e.g. "
                    + "Host=127.0.0.1;Port=5432;Username=portal;Password=portal) to run the "
                    + "applications benchmark."
            );
            return 2;
        }
        var keep = args.Contains("--keep-databases");
        var clock = Stopwatch.StartNew();
        void Progress(string what) =>
            Console.Error.WriteLine(Invariant($"[{clock.Elapsed.TotalSeconds, 6:F1}s] {what}"));

        var report = new Report();
        report.Line(Invariant($"# Applications benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.Line();
        report.Line(
            "`PORTAL_TEST_POSTGRES=… dotnet run -c Release --project "
                + "benchmarks/Portal.Benchmarks -- --applications` — on PostgreSQL "
                + "(two throw-away databases on the server of `PORTAL_TEST_POSTGRES`, "
                + "created and dropped by the run): part 1 times the queries "
                + "behind the application pages in-process; parts 2–4 run the real portal "
                + "(`src/Portal.Web`, child process) with its embedded sandbox "
                + "cluster, cluster watch and Hangfire job server, and drive it through "
                + "its API and its SignalR hub as a browser would."
        );
        report.Heading("## Machine");
        report.Lines(Machine.Describe());
        report.Line(
            (
                Invariant($"- PostgreSQL: {await ServerVersionAsync(server, ct)} on loopback, ")
                + "shared with whatever else uses that server"
            )
        );

        var pages = await ApplicationPagesBenchmark.RunAsync(report, server, Progress, keep, ct);
        var live = await LiveApplicationsBenchmark.RunAsync(report, root, server, Progress, keep, ct);

        report.Heading("## Verdict");
        report.Line("| figure | measured | goal | |");
        report.Line("|---|---:|---:|---|");
        report.Line(
            Verdict(
                $"application list page, worst p95 ({pages.WorstList.Name})",
                pages.WorstList.Percentile(0.95),
                PageGoalMs
            )
        );
        report.Line(
            Verdict(
                $"application detail page, worst p95 ({pages.WorstDetail.Name})",
                pages.WorstDetail.Percentile(0.95),
                PageGoalMs
            )
        );
        if (live.Deleted is { Count: > 0 } deleted)
            report.Line(
                Verdict(
                    "pod change in the sandbox → `statusChanged` at the browser, p95 (deletions)",
                    deleted.Percentile(0.95),
                    LiveGoalMs
                )
            );
        if (live.Ready is { Count: > 0 } ready)
            report.Line(
                Verdict(
                    "pod Ready in the sandbox → `statusChanged` at the browser, p95",
                    ready.Percentile(0.95),
                    LiveGoalMs
                )
            );
        if (live.Deploys is { } deploys)
        {
            report.Line(
                (
                    Invariant($"| {deploys.Requested} deploys at once: all done after (wall) | ")
                    + Invariant($"{Format.Seconds(deploys.Wall)} | — | {deploys.Succeeded} succeeded; ")
                    + Invariant($"{deploys.Refused} requests refused, {deploys.Failed} operations ")
                    + Invariant($"failed, {deploys.Unfinished} unfinished |")
                )
            );
            report.Line(
                (
                    "| … per operation p50 / p95 | "
                    + Invariant($"{deploys.Total.Percentile(0.5) / 1000:F1} s / ")
                    + Invariant($"{deploys.Total.Percentile(0.95) / 1000:F1} s | — | |")
                )
            );
        }
        report.Heading("## Findings");
        var findings = pages.Findings.Concat(live.Findings).ToList();
        foreach (var finding in findings)
            report.Line("- " + finding);
        if (findings.Count == 0)
            report.Line("None in this run.");
        report.Line();
        report.Line(Invariant($"Total run time: {Format.Seconds(clock.Elapsed)}."));

        var results = Path.Combine(root, "benchmarks", "results");
        Directory.CreateDirectory(results);
        var file = Path.Combine(results, Invariant($"{DateTime.UtcNow:yyyy-MM-dd}-applications.md"));
        await File.WriteAllTextAsync(file, report.ToString(), CancellationToken.None);
        Progress($"report written to {file}");
        return 0;
    }

    private static string Verdict(string figure, double measuredMs, double goalMs) =>
        Invariant(
            $"| {figure} | {measuredMs:F1} ms | < {goalMs:F0} ms | {(measuredMs < goalMs ? "met" : "**missed**")} |"
        );

    private static async Task<string> ServerVersionAsync(string server, CancellationToken ct)
    {
        await using var connection = new Npgsql.NpgsqlConnection(
            new Npgsql.NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString
        );
        await connection.OpenAsync(ct);
        return Invariant($"PostgreSQL {connection.PostgreSqlVersion}");
    }
}
