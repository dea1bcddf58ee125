using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Tests.Builds;
using Portal.Infrastructure.Tests.Builds.RealBuilds;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// Builds from source on this machine (issue 14), through the portal's own path as the tests run it
/// (<see cref="RealBuildWorld"/>: real git, the inspector, buildah, the registry, each build run by its operation's
/// job): the local base images made, each fixture application's cold and warm build, and 10 builds queued at once on
/// the build slots. Run with <c>-- --builds</c>.
/// </summary>
internal static class BuildsBenchmark
{
    private const int Queued = 10;

    public static async Task<int> RunAsync(string root, string[] args, CancellationToken ct)
    {
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        var clock = Stopwatch.StartNew();
        void Progress(string what) =>
            Console.Error.WriteLine(Invariant($"[{clock.Elapsed.TotalSeconds, 6:F1}s] {what}"));
        var buildah = Portal.Infrastructure.Builds.BuildTools.Find(Portal.Infrastructure.Builds.BuildTools.Buildah);
        var driver = buildah is null
            ? "none: buildah is missing"
            : await Portal.Infrastructure.Builds.Buildah.BuildahStorageDriver.ResolveAsync(
                buildah,
                Portal.Infrastructure.Builds.Buildah.BuildahStorageDriver.Auto
            );
        var report = new Report();
        report.Line(Invariant($"# Builds benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.Line();
        report.Line(
            "`dotnet run -c Release --project benchmarks/Portal.Benchmarks -- --builds` — the build path of the "
                + "tests (`RealBuildWorld`): fixture repositories made with git, the real `GitClient`, "
                + "`SourceInspector`, recipes rendered on the local Debian base images "
                + "(`Portal:Builds:BaseImages:Source=Local`), `BuildahImageBuilder` "
                + $"(storage driver {driver}, chroot) pushing to a real "
                + "`docker-registry` on loopback, each build run by `OperationJob` as the job scheduler runs it, on "
                + "SQLite. Build slots: 2 in all, 1 per tenant (the portal's defaults on 2 cores)."
        );
        report.Heading("## Machine");
        report.Lines(Machine.Describe());

        Progress("making (or finding) the local base images");
        var images = new DebianBaseImages();
        var made = Stopwatch.StartNew();
        await images.InitializeAsync();
        await images.EnsureAsync(DebianBaseImages.Needed);
        made.Stop();
        report.Heading("## 1. Local base images (`BaseImageMaker`: mmdebstrap, then apt in buildah)");
        report.Line(
            Invariant($"All {DebianBaseImages.Needed.Length + 1} images ready in {made.Elapsed.TotalSeconds:F1} s ")
                + "(made when the registry lacked them; kept between local runs under /tmp by the catalog "
                + "file's hash, made afresh under CI=true):"
        );
        report.Line();
        report.Line("| image | made or found | seconds |");
        report.Line("|---|---|---:|");
        foreach (var (image, wasMade, took) in images.Times)
            report.Line(Invariant($"| {image} | {(wasMade ? "made" : "found")} | {took.TotalSeconds:F1} |"));

        var only = args.SkipWhile(a => a != "--apps").Skip(1).FirstOrDefault()?.Split(',');
        var names = only ?? ["static", "go", "python", "node", "node-ms", "dockerfile", "java"];
        try
        {
            var world = await images.WorldAsync();
            var run = $"b{Guid.NewGuid():N}"[..8];
            report.Heading("## 2. Cold and warm builds, per fixture application");
            report.Line(
                "Cold: the first build of a tenant of its own (fresh buildah storage: the base image is pulled from "
                    + "the registry into it, no layer cached). Warm: the same commit built again, then a commit "
                    + "changing one line of one file. Time from queueing to the build's end (fetch, detect, build, "
                    + "push), and the build step alone as the operation's journal timed it."
            );
            report.Line();
            report.Line("| fixture | recipe | cold s | warm, same commit s | warm, one-line change s | image MiB |");
            report.Line("|---|---|---:|---:|---:|---:|");
            foreach (var name in names)
            {
                var app = Apps.Find(name, images.Registry.Endpoint.Host);
                var tenant = $"{run}-{name}".Replace("node-ms", "nodems", StringComparison.Ordinal);
                Progress($"{name}: cold");
                var (owner, folder) = await world.ConnectAsync(app, null, tenant);
                var cold = await TimedAsync(world, owner, app.Name, ct);
                Progress($"{name}: warm");
                var warm = await TimedAsync(world, owner, app.Name, ct);
                RealBuildWorld.Write(
                    folder,
                    app.ChangedFile,
                    File.ReadAllText(Path.Combine(folder, app.ChangedFile)) + Comment(app.ChangedFile)
                );
                RealBuildWorld.Commit(folder, "Change one line");
                Progress($"{name}: one-line change");
                var changed = await TimedAsync(world, owner, app.Name, ct);
                report.Line(
                    Concat(
                        $"| {name} | {cold.Build.Recipe} | {Cell(cold)} | {Cell(warm)} | {Cell(changed)} | "
                            + $"{(changed.Build.Image?.SizeBytes ?? 0) / 1024.0 / 1024.0:F1} |"
                    )
                );
            }

            report.Heading(Invariant($"## 3. {Queued} builds queued at once"));
            Progress($"{Queued} builds at once");
            await QueueAtOnceAsync(world, images.Registry.Endpoint.Host, run, report, ct);
            report.Heading("## 4. From \"Build\" to Running pods");
            report.Line(
                "Not measured in this run: the deploy of a build to the sandbox is proven by the Web scenario "
                    + "`A_deployed_build_runs_its_image_pinned_by_digest_and_its_revision_names_the_commit`; "
                    + "add the build time above to that deploy's rollout."
            );
        }
        finally
        {
            Progress("cleaning up");
            await images.DisposeAsync();
        }
        var path = Path.Combine(root, "benchmarks", "results", $"{DateTime.UtcNow:yyyy-MM-dd}-builds.md");
        await File.WriteAllTextAsync(path, report.ToString(), ct);
        Progress($"report written to {path}");
        return 0;
    }

    /// <summary>Pieces of an invariant-culture text (the run sets the invariant culture).</summary>
    private static string Concat(string text) => text;

    private sealed record Timed(Build Build, TimeSpan Total, TimeSpan? BuildStep);

    private static string Cell(Timed timed) =>
        timed.Build.State != BuildState.Succeeded
            ? $"{timed.Build.State}: {timed.Build.Reason}"
            : Invariant($"{timed.Total.TotalSeconds:F1} (build {(timed.BuildStep ?? TimeSpan.Zero).TotalSeconds:F1})");

    private static string Comment(string file) =>
        Path.GetExtension(file) switch
        {
            ".go" or ".js" or ".java" => "// changed\n",
            ".py" => "# changed\n",
            ".html" => "<!-- changed -->\n",
            _ => "# changed\n",
        };

    private static async Task<Timed> TimedAsync(
        RealBuildWorld world,
        Domain.Tenancy.Tenant tenant,
        string app,
        CancellationToken ct
    )
    {
        ct.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var build = await world.RunAsync(tenant, await world.QueueAsync(tenant, new QueueBuild(app)));
        clock.Stop();
        var step = await world.World.ReadAsync(db =>
            db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == build.OperationId)
        );
        var buildStep = step.Steps.FirstOrDefault(s => s.Name == "build");
        var took = buildStep is { FinishedAt: { } end } ? end - buildStep.StartedAt : (TimeSpan?)null;
        return new Timed(build, clock.Elapsed, took);
    }

    /// <summary>
    /// 10 static-site builds of 5 tenants (2 each) queued at once and run at once, as the job scheduler's workers
    /// would: the slots let 2 run, one per tenant, the others wait in order.
    /// </summary>
    private static async Task QueueAtOnceAsync(
        RealBuildWorld world,
        string registry,
        string run,
        Report report,
        CancellationToken ct
    )
    {
        var app = Apps.Find("static", registry);
        var builds = new List<(Domain.Tenancy.Tenant Tenant, Build Build, int Order)>();
        for (var i = 0; i < Queued; i++)
        {
            var (tenant, folder) = await world.ConnectAsync(app, $"site{i}", $"{run}-q{i % 5}");
            RealBuildWorld.Write(folder, "index.html", $"<h1>site {i}</h1>\n");
            RealBuildWorld.Commit(folder, $"Site {i}");
        }
        var started = Stopwatch.StartNew();
        for (var i = 0; i < Queued; i++)
        {
            var tenant = await world.World.ReadAsync(db => db.Tenants.SingleAsync(t => t.Slug == $"{run}-q{i % 5}"));
            builds.Add((tenant, await world.QueueAsync(tenant, new QueueBuild($"site{i}")), i));
        }
        var finishedAt = new TimeSpan[Queued];
        await Task.WhenAll(
            builds.Select(async b =>
            {
                await world.RunAsync(b.Tenant, b.Build);
                finishedAt[b.Order] = started.Elapsed;
            })
        );
        var total = started.Elapsed;
        var ended = new List<Build>();
        foreach (var (_, build, _) in builds)
            ended.Add(
                await world.World.ReadAsync(db =>
                    db.Builds.IgnoreQueryFilters().AsNoTracking().SingleAsync(b => b.Id == build.Id)
                )
            );
        var starts = new List<(int Order, DateTime Began, TimeSpan Waited, TimeSpan Ran)>();
        for (var i = 0; i < Queued; i++)
        {
            var build = ended[i];
            var chunks = await world.World.ReadAsync(db =>
                db.BuildLogChunks.IgnoreQueryFilters()
                    .AsNoTracking()
                    .Where(c => c.BuildId == build.Id)
                    .OrderBy(c => c.Sequence)
                    .Select(c => new { c.Text, c.WrittenAt })
                    .ToListAsync()
            );
            var began = chunks.FirstOrDefault(c => c.Text.Contains("STEP 1/", StringComparison.Ordinal))?.WrittenAt
                ?? build.FinishedAt!.Value;
            starts.Add((i, began, began - build.CreatedAt, build.FinishedAt!.Value - began));
        }
        var succeeded = ended.Count(b => b.State == BuildState.Succeeded);
        report.Line(
            Concat(
                $"10 builds of the static fixture, 5 tenants with 2 builds each, queued in one go and all run at once "
                    + $"(2 slots, 1 per tenant): **{succeeded} of {Queued} succeeded, {Queued - succeeded} lost or "
                    + $"failed**, all done in **{total.TotalSeconds:F1} s**."
            )
        );
        report.Line();
        report.Line("| queued # | tenant | began building # | waited for a slot s | built s | state |");
        report.Line("|---:|---|---:|---:|---:|---|");
        var order = starts.OrderBy(s => s.Began).Select((s, rank) => (s.Order, rank)).ToDictionary();
        foreach (var s in starts)
            report.Line(
                Concat(
                    $"| {s.Order + 1} | q{s.Order % 5} | {order[s.Order] + 1} | {s.Waited.TotalSeconds:F1} | "
                        + $"{s.Ran.TotalSeconds:F1} | {ended[s.Order].State} |"
                )
            );
        var waits = new Samples("slot wait");
        foreach (var s in starts)
            waits.Add(s.Waited.TotalMilliseconds);
        report.Line();
        report.Line(
            Concat(
                $"Slot wait: p50 {waits.Percentile(0.5) / 1000:F1} s, max {waits.Max / 1000:F1} s. "
                    + "Began-building order against queue order shows the fairness: with one slot per tenant a "
                    + "tenant's second build waits for its first, and lets the next tenant's build by."
            )
        );
    }

    private static class Apps
    {
        public static FixtureApp Find(string name, string registry) =>
            name switch
            {
                "go" => FixtureApps.Go,
                "node" => FixtureApps.Node,
                "node-ms" => FixtureApps.NodeWithDependency,
                "python" => FixtureApps.Python,
                "static" => FixtureApps.Static,
                "dockerfile" => FixtureApps.Dockerfile(registry),
                "java" => FixtureApps.Java,
                _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a fixture application"),
            };
    }
}
