using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Portal.Benchmarks;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Common;
using Portal.Sandbox.Api;
using Portal.Sandbox.Hosting;
using static Portal.Benchmarks.Report;

// Scale benchmark of the portal against the sandbox cluster: 1,000 nodes and 50,000 pods.
// Every loop is bounded and every wait has a deadline; all traffic is on loopback.

const int Nodes = 1000;
const int Namespaces = 10;
const int PodsPerNamespace = 5000;
const int TotalPods = Namespaces * PodsPerNamespace;
const int LabelChanges = 20_000;
const int Deletes = 5_000;
const int Creates = 10_000;
const int Requests = 200;
const int Warmup = 20;
const string ClusterName = "bench";

// The applications run starts a whole portal and waits on real rollouts: it gets a longer bound of its own.
using var run = new CancellationTokenSource(
    TimeSpan.FromMinutes(
        args.Contains("--monitoring")
        || args.Contains("--builds")
        || args.Contains("--pipelines")
        || args.Contains("--clouds")
        || args.Contains("--tenfold")
            ? 90
        : args.Contains("--applications") ? 12
        : 8
    )
);
var ct = run.Token;
if (args.Contains("--tenfold"))
    return await TenfoldBenchmark.RunAsync(RepositoryRoot(), args, ct);
if (args.Contains("--monitoring"))
    return await MonitoringBenchmark.RunAsync(RepositoryRoot(), args, ct);
if (args.Contains("--builds"))
    return await BuildsBenchmark.RunAsync(RepositoryRoot(), args, ct);
if (args.Contains("--clouds"))
    return await CloudsBenchmark.RunAsync(RepositoryRoot(), ct);
if (args.Contains("--pipelines"))
    return await PipelinesBenchmark.RunAsync(RepositoryRoot(), ct);
if (args.Contains("--middleware"))
    return await MiddlewarePagesBenchmark.RunAsync(RepositoryRoot(), ct);
if (args.Contains("--quota-pages"))
    return await QuotaPagesBenchmark.RunAsync(RepositoryRoot(), ct);
if (args.Contains("--applications"))
    return await ApplicationsBenchmark.RunAsync(RepositoryRoot(), args, ct);
var clock = Stopwatch.StartNew();
void Progress(string what) => Console.Error.WriteLine(Invariant($"[{clock.Elapsed.TotalSeconds, 6:F1}s] {what}"));

var root = RepositoryRoot();
var report = new Report();
var findings = new List<string>();
report.Line(Invariant($"# Scale benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
report.Line();
report.Line(
    "`dotnet run -c Release --project benchmarks/Portal.Benchmarks` — one "
        + "process hosts the sandbox API server, the portal's "
        + "infrastructure (EF Core on SQLite, KubernetesClient, ClusterWatch) and "
        + "the load generator; the portal web app runs as a "
        + "child process for the page latencies."
);
report.Heading("## Machine");
report.Lines(Machine.Describe());

// ---------------------------------------------------------------- 1. sandbox at scale
report.Heading(Invariant($"## 1. Sandbox with {Nodes:N0} nodes and {TotalPods:N0} pods (in-process)"));
var heapBefore = Machine.HeapAfterFullGc();
var workingSetBefore = Machine.WorkingSet();
Progress("starting the sandbox");
var started = Stopwatch.StartNew();
var sandbox = await SandboxCluster.StartAsync(
    new SandboxOptions
    {
        NodeCount = Nodes,
        NodeMaxPods = 110,
        RunControllers = false,
        RecordPodLifecycleEvents = false,
    },
    ct
);
started.Stop();
var heapWithNodes = Machine.HeapAfterFullGc();
var workingSetWithNodes = Machine.WorkingSet();

Progress("seeding pods");
var seeding = Stopwatch.StartNew();
for (var i = 0; i < Namespaces; i++)
    sandbox.SeedRunningPods($"bench-{i}", PodsPerNamespace, "10m", "16Mi");
seeding.Stop();
var heapSeeded = Machine.HeapAfterFullGc();
var workingSetSeeded = Machine.WorkingSet();
var storedPods = sandbox.Store.Count(ResourceKinds.Pod);
var storedNodes = sandbox.Store.Count(ResourceKinds.Node);
if (storedPods != TotalPods || storedNodes != Nodes)
    throw new InvalidOperationException($"the sandbox holds {storedNodes} nodes and {storedPods} pods");

report.Line(
    (
        Invariant($"- Sandbox start with {Nodes:N0} nodes (TLS, controllers off, no ")
        + Invariant($"lifecycle events): {Format.Seconds(started.Elapsed)}")
    )
);
report.Line(
    (
        Invariant($"- Seeding {TotalPods:N0} Running pods ({Namespaces} namespaces × ")
        + Invariant($"{PodsPerNamespace:N0}, `SeedRunningPods`, 10m CPU / 16Mi each): **")
        + Invariant($"{Format.Seconds(seeding.Elapsed)}** (")
        + Invariant($"{Format.N(TotalPods / seeding.Elapsed.TotalSeconds)} pods/s)")
    )
);
report.Line();
report.Line(
    "| memory (benchmark process) | before sandbox | sandbox + 1,000 nodes | + 50,000 pods | growth from seeding |"
);
report.Line("|---|---:|---:|---:|---:|");
report.Line(
    $"| managed heap after full GC | {Format.MiB(heapBefore)} | "
        + $"{Format.MiB(heapWithNodes)} | {Format.MiB(heapSeeded)} | **"
        + $"{Format.MiB(heapSeeded - heapWithNodes)}** |"
);
report.Line(
    $"| process working set | {Format.MiB(workingSetBefore)} | "
        + $"{Format.MiB(workingSetWithNodes)} | {Format.MiB(workingSetSeeded)} | "
        + $"{Format.MiB(workingSetSeeded - workingSetWithNodes)} |"
);
report.Line();
report.Line(
    "At this point the process holds only the sandbox (store, 50,000-entry "
        + "watch history ring, Kestrel) and the runtime; "
        + "the portal's infrastructure is not loaded yet. To see the sandbox alone in its own process: "
        + "`dotnet run -c Release --project src/Portal.Sandbox -- --nodes 1000 "
        + "--seed-pods 50000` and read its resident memory."
);

// ---------------------------------------------------------------- 2. initial list+watch
report.Heading(
    Invariant($"## 2. Portal cache (ClusterWatch): initial list+watch of {Nodes:N0} nodes and {TotalPods:N0} pods")
);
var databaseFolder = Path.Combine(Path.GetTempPath(), $"portal-bench-{Guid.NewGuid():N}");
Directory.CreateDirectory(databaseFolder);
var databaseFile = Path.Combine(databaseFolder, "portal.db");
try
{
    Progress("migrating the portal database and registering the cluster");
    await using var portal = await PortalServices.CreateAsync(databaseFile, ct);
    var registering = Stopwatch.StartNew();
    var clusterId = await portal.RegisterAsync(ClusterName, sandbox.Kubeconfig, ct);
    registering.Stop();

    var watch = portal.CreateWatch(clusterId);
    using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
    Progress("watching");
    var listing = Stopwatch.StartNew();
    var watching = Task.Run(() => watch.RunAsync(stopWatching.Token), CancellationToken.None);
    TimeSpan? nodesCached = null,
        podsCached = null,
        hostsWritten = null;
    long peakHeapSampled = 0;
    var polls = 0;
    (int Hosts, long Pods) totals = default;
    while (hostsWritten is null)
    {
        if (watching.IsCompleted)
            throw new InvalidOperationException("the cluster watch stopped", watching.Exception);
        if (listing.Elapsed > TimeSpan.FromSeconds(150))
            throw new TimeoutException(
                (
                    Invariant($"after 150 s the cache holds {watch.NodeCount} nodes and ")
                    + Invariant($"{watch.PodCount} pods; the hosts table {totals.Hosts} rows with ")
                    + Invariant($"{totals.Pods} pods")
                )
            );
        peakHeapSampled = Math.Max(peakHeapSampled, GC.GetTotalMemory(false));
        if (nodesCached is null && watch.NodeCount == Nodes)
            nodesCached = listing.Elapsed;
        if (podsCached is null && watch.PodCount == TotalPods)
            podsCached = listing.Elapsed;
        if (podsCached is not null || ++polls % 4 == 0)
        {
            totals = await portal.HostTotalsAsync(clusterId, ct);
            if (totals.Hosts == Nodes && totals.Pods == TotalPods && podsCached is not null)
                hostsWritten = listing.Elapsed;
        }
        await Task.Delay(50, ct);
    }
    var eventsAfterList = watch.EventsProcessed;
    var heapWithCache = Machine.HeapAfterFullGc();
    var workingSetWithCache = Machine.WorkingSet();

    report.Line(
        (
            "- Registration (`ClusterRegistry.RegisterAsync`: probe over HTTPS + "
            + Invariant($"encrypted kubeconfig row): {Format.Seconds(registering.Elapsed)}")
        )
    );
    report.Line(
        (
            Invariant($"- From `ClusterWatch.RunAsync` start until `NodeCount` == {Nodes:N0}: ")
            + Invariant($"{Format.Seconds(nodesCached!.Value)}")
        )
    );
    report.Line(
        (
            Invariant($"- … until `PodCount` == {TotalPods:N0} (all 100 list pages of 500 read ")
            + Invariant($"and folded in): **{Format.Seconds(podsCached!.Value)}**")
        )
    );
    report.Line(
        (
            Invariant($"- … until the hosts table holds {Nodes:N0} rows whose `PodCount` sums ")
            + Invariant($"to {TotalPods:N0}: **{Format.Seconds(hostsWritten.Value)}** (flush ")
            + Invariant($"interval {portal.FlushInterval.TotalSeconds:F1} s; polled every 50–200 ")
            + "ms)"
        )
    );
    report.Line(Invariant($"- `EventsProcessed` after the list: {eventsAfterList:N0}; `Relists`: {watch.Relists}"));
    report.Line();
    report.Line("| memory (benchmark process) | sandbox seeded | + portal infrastructure + populated cache | growth |");
    report.Line("|---|---:|---:|---:|");
    report.Line(
        $"| managed heap after full GC | {Format.MiB(heapSeeded)} | "
            + $"{Format.MiB(heapWithCache)} | **"
            + $"{Format.MiB(heapWithCache - heapSeeded)}** |"
    );
    report.Line(
        $"| process working set | {Format.MiB(workingSetSeeded)} | "
            + $"{Format.MiB(workingSetWithCache)} | "
            + $"{Format.MiB(workingSetWithCache - workingSetSeeded)} |"
    );
    report.Line($"| managed heap, highest sample during the list (no forced GC) | | {Format.MiB(peakHeapSampled)} | |");
    report.Line($"| peak working set of the process so far | | {Format.MiB(Machine.PeakWorkingSet())} | |");
    report.Line();
    report.Line(
        "The growth includes the EF Core model and SQLite, KubernetesClient, "
            + "the cache's dictionaries (50,000 `PodLoad` "
            + "and 1,000 `NodeSnapshot` entries) and whatever the sandbox keeps for its two open watch streams."
    );

    if (peakHeapSampled > 2 * heapWithCache)
        findings.Add(
            (
                "During the initial list the managed heap reached "
                + Invariant($"{Format.MiB(peakHeapSampled)} (sampled) against ")
                + Invariant($"{Format.MiB(heapWithCache)} once the cache is built, and the process ")
                + Invariant($"working set peaked at {Format.MiB(Machine.PeakWorkingSet())}: the ")
                + "initial list holds more than twice the cache's steady memory."
            )
        );

    // Where the list's time goes: the same 100 pages without the cache, raw and typed, and one unpaged list.
    Progress("list decomposition");
    using (var raw = ListProbe.RawClient(sandbox))
    {
        var rawPaged = await ListProbe.RawAsync(raw, 500, ct);
        var rawWhole = await ListProbe.RawAsync(raw, null, ct);
        var typedPaged = await ListProbe.TypedAsync(sandbox, 500, ct);
        report.Line();
        report.Line("Where the list's time goes (the watch idle, same process, sequential):");
        report.Line();
        report.Line("| list of all pods | pages | items | total | first page | last page |");
        report.Line("|---|---:|---:|---:|---:|---:|");
        report.Line(
            (
                "| raw HTTP bytes, limit=500 (sandbox + TLS + transfer) | "
                + Invariant($"{rawPaged.Pages} | {rawPaged.Items:N0} | ")
                + Invariant($"{Format.Seconds(rawPaged.Total)} | {rawPaged.FirstPageMs:F0} ms | ")
                + Invariant($"{rawPaged.LastPageMs:F0} ms |")
            )
        );
        report.Line(
            (
                Invariant($"| raw HTTP bytes, no limit ({rawWhole.Bytes / 1024.0 / 1024.0:F0} MiB) ")
                + Invariant($"| {rawWhole.Pages} | {rawWhole.Items:N0} | ")
                + Invariant($"{Format.Seconds(rawWhole.Total)} | | |")
            )
        );
        report.Line(
            (
                "| KubernetesClient typed, limit=500 (+ deserialisation) | "
                + Invariant($"{typedPaged.Pages} | {typedPaged.Items:N0} | ")
                + Invariant($"{Format.Seconds(typedPaged.Total)} | {typedPaged.FirstPageMs:F0} ms | ")
                + Invariant($"{typedPaged.LastPageMs:F0} ms |")
            )
        );
        report.Line();
    }

    // ---------------------------------------------------------------- 3. watch throughput
    var burst = LabelChanges + Deletes + Creates;
    report.Heading(Invariant($"## 3. Watch throughput: a burst of {burst:N0} pod changes"));
    var pods = sandbox.Store.List(ResourceKinds.Pod).Select(p => (p.Namespace, p.Name)).ToList();
    var toDelete = sandbox
        .Store.List(ResourceKinds.Pod, $"bench-{Namespaces - 1}")
        .Select(p => p.Name)
        .Take(Deletes)
        .ToList();
    var baseline = watch.EventsProcessed;
    var samples = new List<(double Seconds, long Events)>();
    Progress("burst");
    var bursting = Stopwatch.StartNew();
    var generator = Task.Run(
        () =>
        {
            // In-process writes through the sandbox's registry (the same path its API uses after parsing), so that the
            // generator is faster than the watch and the rate measured is the watch's.
            var step = pods.Count / LabelChanges;
            for (var i = 0; i < LabelChanges; i++)
            {
                var (ns, name) = pods[i * step];
                sandbox.Objects.Mutate(ResourceKinds.Pod, ns, name, o =>
                {
                    o["metadata"]!["labels"]!["bench-burst"] = "1";
                    return true;
                });
            }
            var labelled = bursting.Elapsed;
            foreach (var name in toDelete)
                sandbox.Objects.Delete(ResourceKinds.Pod, $"bench-{Namespaces - 1}", name);
            sandbox.SeedRunningPods("churn", Creates, "10m", "16Mi");
            return (Labelled: labelled, Done: bursting.Elapsed);
        },
        ct
    );
    TimeSpan? allSeen = null;
    while (allSeen is null)
    {
        if (watching.IsCompleted)
            throw new InvalidOperationException("the cluster watch stopped", watching.Exception);
        var seen = watch.EventsProcessed - baseline;
        samples.Add((bursting.Elapsed.TotalSeconds, seen));
        if (seen >= burst)
        {
            allSeen = bursting.Elapsed;
            break;
        }
        if (bursting.Elapsed > TimeSpan.FromSeconds(120))
            throw new TimeoutException(Invariant($"after 120 s the watch has seen {seen:N0} of {burst:N0} changes"));
        await Task.Delay(50, ct);
    }
    var generated = await generator;
    var expectedPods = TotalPods - Deletes + Creates;
    TimeSpan? burstWritten = null;
    while (burstWritten is null)
    {
        totals = await portal.HostTotalsAsync(clusterId, ct);
        if (watch.PodCount == expectedPods && totals.Hosts == Nodes && totals.Pods == expectedPods)
            burstWritten = bursting.Elapsed;
        else if (bursting.Elapsed > TimeSpan.FromSeconds(150))
            throw new TimeoutException(
                (
                    Invariant($"after the burst the cache holds {watch.PodCount} pods and the hosts ")
                    + Invariant($"table {totals.Hosts} rows with {totals.Pods} pods; expected ")
                    + Invariant($"{expectedPods}")
                )
            );
        else
            await Task.Delay(50, ct);
    }
    var peakPerSecond = PeakRate(samples, 1.0);
    var seenWhenGenerated = samples.LastOrDefault(s => s.Seconds <= generated.Done.TotalSeconds).Events;
    var afterGeneration = allSeen.Value - generated.Done;
    report.Line(
        (
            Invariant($"- Changes: {LabelChanges:N0} label updates ")
            + Invariant($"(`ResourceRegistry.Mutate`), {Deletes:N0} deletes, {Creates:N0} ")
            + "creates (new namespace `churn`); all in-process, no HTTP on the write "
            + "side"
        )
    );
    report.Line(
        (
            Invariant($"- Generator finished after {Format.Seconds(generated.Done)} (labels ")
            + Invariant($"done at {Format.Seconds(generated.Labelled)}): ")
            + Invariant($"{Format.N(burst / generated.Done.TotalSeconds)} changes/s produced")
        )
    );
    report.Line(
        (
            Invariant($"- `EventsProcessed` rose by {burst:N0} after **")
            + Invariant($"{Format.Seconds(allSeen.Value)}** → **")
            + Invariant($"{Format.N(burst / allSeen.Value.TotalSeconds)} events/s** on average ")
            + "from the first change"
        )
    );
    report.Line(
        (
            Invariant($"- Best 1-second window: {Format.N(peakPerSecond)} events/s; seen when ")
            + Invariant($"the generator finished: {seenWhenGenerated:N0}")
        )
            + (
                afterGeneration > TimeSpan.FromMilliseconds(200)
                    ? (
                        "; catch-up after it: "
                        + Invariant($"{Format.N((burst - seenWhenGenerated) / afterGeneration.TotalSeconds)} ")
                        + Invariant($"events/s over {Format.Seconds(afterGeneration)}")
                    )
                    : "; the watch kept up with the generator"
            )
    );
    report.Line(
        (
            Invariant($"- Hosts table consistent again ({Nodes:N0} rows, pod counts summing to ")
            + Invariant($"{expectedPods:N0}): {Format.Seconds(burstWritten.Value)} after the ")
            + "first change"
        )
    );
    report.Line(Invariant($"- `Relists` during the burst: {watch.Relists}"));
    report.Line();
    report.Line(
        "Note: generator, sandbox API server (JSON serialisation of each watch "
            + "event), KubernetesClient deserialisation and "
            + "the cache all share the same CPUs, so on 2 cores this is the rate of "
            + "the whole loop, not of ClusterWatch alone."
    );
    report.Line();
    report.Line("| t (s) | events seen |");
    report.Line("|---:|---:|");
    foreach (var sample in Thin(samples, 12))
        report.Line(Invariant($"| {sample.Seconds:F1} | {sample.Events:N0} |"));

    await stopWatching.CancelAsync();
    await watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

    // ---------------------------------------------------------------- 4. hosts page
    report.Heading(Invariant($"## 4. Hosts page at {Nodes:N0} hosts"));
    var variants = new (string Name, HostFilter Filter, int Page, int Size, string Query)[]
    {
        ("by name, page size 50", new HostFilter(), 1, 50, "pageSize=50"),
        ("by name, page size 200", new HostFilter(), 1, 200, "pageSize=200"),
        (
            "CPU requested desc, page size 50",
            new HostFilter(Sort: HostSort.CpuRequested, Descending: true),
            1,
            50,
            "sort=CpuRequested&desc=true&pageSize=50"
        ),
        (
            "CPU requested desc, page size 200",
            new HostFilter(Sort: HostSort.CpuRequested, Descending: true),
            1,
            200,
            "sort=CpuRequested&desc=true&pageSize=200"
        ),
        (
            "CPU requested desc, size 200, last page (5)",
            new HostFilter(Sort: HostSort.CpuRequested, Descending: true),
            5,
            200,
            "sort=CpuRequested&desc=true&pageSize=200&page=5"
        ),
    };

    Progress("HostInventory.ListAsync");
    var queries = new List<Samples>();
    foreach (var variant in variants)
    {
        var s = new Samples($"`HostInventory.ListAsync` {variant.Name}");
        for (var i = 0; i < Warmup + Requests; i++)
        {
            var t = Stopwatch.StartNew();
            await using var scope = portal.Services.CreateAsyncScope();
            var page = await scope
                .ServiceProvider.GetRequiredService<HostInventory>()
                .ListAsync(clusterId, variant.Filter, new PageRequest(variant.Page, variant.Size), ct);
            t.Stop();
            if (page.Items.Count != variant.Size || page.Total != Nodes)
                throw new InvalidOperationException($"{variant.Name}: {page.Items.Count} rows of {page.Total}");
            if (i >= Warmup)
                s.Add(t.Elapsed.TotalMilliseconds);
        }
        queries.Add(s);
    }
    var summaries = new Samples("`ClusterRegistry.SummaryAsync` (the page's first query: 7 aggregates over the hosts)");
    for (var i = 0; i < Warmup + Requests; i++)
    {
        var t = Stopwatch.StartNew();
        await using var scope = portal.Services.CreateAsyncScope();
        var summary = await scope.ServiceProvider.GetRequiredService<ClusterRegistry>().SummaryAsync(ClusterName, ct);
        t.Stop();
        if (summary?.Nodes != Nodes)
            throw new InvalidOperationException("the cluster summary is wrong");
        if (i >= Warmup)
            summaries.Add(t.Elapsed.TotalMilliseconds);
    }
    queries.Add(summaries);
    report.Line(
        (
            Invariant($"In-process, a new DI scope (DbContext) per call, {Warmup} warm-up ")
            + Invariant($"calls then {Requests} measured, sequential, SQLite file:")
        )
    );
    report.Line();
    report.Table(queries);

    Progress("starting Portal.Web");
    var webStart = Stopwatch.StartNew();
    var web = await WebProcess.StartAsync(root, portal.ConnectionString, ct);
    await using (web)
    {
        webStart.Stop();
        await web.SignInAsync(ct);
        Progress("GET hosts pages");
        var pages = new List<Samples>();
        var sizes = new List<string>();
        foreach (var variant in variants)
        {
            var s = new Samples($"GET hosts {variant.Name}");
            long bytes = 0;
            for (var i = 0; i < Warmup + Requests; i++)
            {
                var t = Stopwatch.StartNew();
                using var response = await web.Client.GetAsync(
                    $"/admin/clusters/{ClusterName}/hosts?{variant.Query}",
                    ct
                );
                var body = await response.Content.ReadAsStringAsync(ct);
                t.Stop();
                if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException(
                        $"GET {variant.Query} answered {(int)response.StatusCode}:\n{web.Output}"
                    );
                var rows = Count(body, "<tr data-host=");
                if (rows != variant.Size)
                    throw new InvalidOperationException($"GET {variant.Query} shows {rows} hosts, not {variant.Size}");
                bytes = body.Length;
                if (i >= Warmup)
                    s.Add(t.Elapsed.TotalMilliseconds);
            }
            pages.Add(s);
            sizes.Add(Invariant($"{variant.Name}: {bytes / 1024.0:F0} KiB of HTML"));
        }
        var baselines = new List<Samples>();
        foreach (
            var (name, url) in new[]
            {
                ("GET /health/live (no auth, no database)", "/health/live"),
                ("GET /admin/clusters/bench (auth, layout, `SummaryAsync`)", $"/admin/clusters/{ClusterName}"),
            }
        )
        {
            var s = new Samples(name);
            for (var i = 0; i < Warmup + Requests; i++)
            {
                var t = Stopwatch.StartNew();
                using var response = await web.Client.GetAsync(url, ct);
                _ = await response.Content.ReadAsStringAsync(ct);
                t.Stop();
                if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}");
                if (i >= Warmup)
                    s.Add(t.Elapsed.TotalMilliseconds);
            }
            baselines.Add(s);
        }
        long webWorkingSet;
        using (var child = Process.GetProcessById(web.ProcessId))
            webWorkingSet = child.WorkingSet64;
        report.Line(
            (
                "Over HTTP against the real portal (`src/Portal.Web`, "
                + Invariant($"{Machine.BuildConfiguration} build, child process on 127.0.0.1, signed ")
                + "in as the platform admin by the login form); ready after "
                + Invariant($"{Format.Seconds(webStart.Elapsed)}; {Warmup} warm-up requests then ")
                + Invariant($"{Requests} measured, sequential, one connection, body read in full:")
            )
        );
        report.Line();
        report.Table(pages);
        report.Line(
            "Page sizes: "
                + string.Join("; ", sizes)
                + Invariant($". Portal.Web working set after the run: {Format.MiB(webWorkingSet)}.")
        );
        report.Line(
            "The web process ran with `Portal:Clusters:Watch=false`, "
                + "`Portal:Jobs:RunServer=false`, `Portal:Sandbox:Enabled=false`, so "
                + "nothing else wrote to the database meanwhile."
        );
        report.Line();
        report.Line(
            "For comparison, the same client and process on a page without the "
                + "hosts table and on an endpoint without the MVC stack:"
        );
        report.Line();
        report.Table(baselines);
        var worst = pages.MaxBy(p => p.Percentile(0.95))!;
        report.Line();
        report.Line(
            Invariant(
                $"**Hosts page p95 at {Nodes:N0} hosts: {worst.Percentile(0.95):F1} ms at worst ({worst.Name}).**"
            )
        );
    }
}
finally
{
    foreach (var path in new[] { databaseFile, databaseFile + "-wal", databaseFile + "-shm" })
        File.Delete(path);
    try
    {
        Directory.Delete(databaseFolder);
    }
    catch (IOException)
    {
        // Left behind in the temp folder; harmless.
    }
}

report.Heading("## Findings");
foreach (var finding in findings)
    report.Line("- " + finding);
if (findings.Count == 0)
    report.Line("None in this run.");
report.Line();
report.Line(Invariant($"Total run time: {Format.Seconds(clock.Elapsed)}."));

var results = Path.Combine(root, "benchmarks", "results");
Directory.CreateDirectory(results);
var file = Path.Combine(results, Invariant($"{DateTime.UtcNow:yyyy-MM-dd}-scale.md"));
await File.WriteAllTextAsync(file, report.ToString(), CancellationToken.None);
Progress($"report written to {file}");
Progress("stopping the sandbox");
var stopping = Stopwatch.StartNew();
await sandbox.DisposeAsync();
Progress(Invariant($"sandbox stopped in {Format.Seconds(stopping.Elapsed)}"));
await File.AppendAllTextAsync(
    file,
    Invariant($"\nStopping the sandbox afterwards (`SandboxCluster.DisposeAsync`): {Format.Seconds(stopping.Elapsed)}")
        + (
            stopping.Elapsed > TimeSpan.FromSeconds(5)
                ? " — the host waited for its shutdown timeout: a request was still in "
                    + "flight although the portal's watch had been cancelled and its clients "
                    + "disposed.\n"
                : ".\n"
        ),
    CancellationToken.None
);
return 0;

static string RepositoryRoot()
{
    foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaaS.sln")))
                return dir.FullName;
        }
    }
    throw new DirectoryNotFoundException("PaaS.sln not found above the working directory or the binaries");
}

static double PeakRate(List<(double Seconds, long Events)> samples, double window)
{
    var best = 0.0;
    var j = 0;
    for (var i = 0; i < samples.Count; i++)
    {
        while (samples[i].Seconds - samples[j].Seconds > window)
            j++;
        var span = samples[i].Seconds - samples[j].Seconds;
        if (span >= window * 0.8)
            best = Math.Max(best, (samples[i].Events - samples[j].Events) / span);
    }
    return best;
}

static IEnumerable<(double Seconds, long Events)> Thin(List<(double Seconds, long Events)> samples, int count)
{
    if (samples.Count <= count)
        return samples;
    return Enumerable
        .Range(0, count)
        .Select(i => samples[(int)Math.Round(i * (samples.Count - 1) / (double)(count - 1))]);
}

static int Count(string text, string what)
{
    var n = 0;
    for (
        var i = text.IndexOf(what, StringComparison.Ordinal);
        i >= 0;
        i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal)
    )
        n++;
    return n;
}
