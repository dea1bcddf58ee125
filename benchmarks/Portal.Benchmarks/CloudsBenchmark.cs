using System.Diagnostics;
using System.Net;
using System.Reflection;
using System.Text;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;
using Portal.Sandbox.Hosting;
using Portal.SandboxCloud.Hosting;
using Portal.Web.Tests.Support;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// `-- --clouds` (issue 16): a pool grown by 100 hosts from the embedded sandbox cloud's Alibaba account with
/// throttling on, through the portal's use cases and its Hangfire jobs (the cloud host tests' host, on PostgreSQL);
/// then the hosts inventory at 3,500 hosts, over HTTP against the real portal process, as a platform admin.
/// PostgreSQL comes from PORTAL_TEST_POSTGRES, as for the tests.
/// </summary>
internal static class CloudsBenchmark
{
    private const int Hosts = 100;
    private const double ThrottleRate = 0.2;
    private const int InventoryHosts = 3500;
    private const string InventoryCluster = "inventory";
    private const int Requests = 200;
    private const int Warmup = 20;

    public static async Task<int> RunAsync(string root, CancellationToken ct)
    {
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        if (PostgresPortal.Server is not { } server)
        {
            Console.Error.WriteLine(
                $"Set {PostgresPortal.ServerVariable} (e.g. Host=127.0.0.1;Port=5432;Username=portal;Password=portal)"
                    + " to run the clouds benchmark."
            );
            return 2;
        }
        var clock = Stopwatch.StartNew();
        void Progress(string what) =>
            Console.Error.WriteLine(Invariant($"[{clock.Elapsed.TotalSeconds, 6:F1}s] {what}"));
        var report = new Report();
        report.Line(Invariant($"# Clouds benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.Line();
        report.Line(
            "`PORTAL_TEST_POSTGRES=… dotnet run -c Release --project benchmarks/Portal.Benchmarks -- --clouds` — "
                + "issue 16: a pool grown by cloud hosts through the sandbox cloud with throttling on, and the hosts "
                + "inventory at 3,500 hosts; PostgreSQL 15 on loopback."
        );
        report.Heading("## Machine");
        report.Lines(Machine.Describe());
        var findings = new List<string>();
        await ProvisionAsync(root, report, findings, Progress, ct);
        await InventoryAsync(root, server, report, findings, Progress, ct);
        report.Heading("## Findings");
        foreach (var finding in findings)
            report.Line("- " + finding);
        if (findings.Count == 0)
            report.Line("None in this run: nothing lost, every p95 within its budget.");
        report.Line();
        report.Line(Invariant($"Total run time: {Format.Seconds(clock.Elapsed)}."));
        var path = Path.Combine(root, "benchmarks", "results", $"{DateTime.UtcNow:yyyy-MM-dd}-clouds.md");
        await File.WriteAllTextAsync(path, report.ToString(), CancellationToken.None);
        Progress($"report written to {path}");
        return 0;
    }

    private static async Task ProvisionAsync(
        string root,
        Report report,
        List<string> findings,
        Action<string> progress,
        CancellationToken ct
    )
    {
        // The test host finds the portal's content root from a test run's layout; a benchmark names it.
        Environment.SetEnvironmentVariable(
            "ASPNETCORE_TEST_CONTENTROOT_PORTAL_WEB",
            Path.Combine(root, "src", "Portal.Web")
        );
        var throttled = new ThrottledAnswers();
        var portal = new CloudSandboxPortal(throttled);
        progress("starting the portal with the embedded sandbox cluster and sandbox cloud on PostgreSQL");
        await portal.InitializeAsync();
        try
        {
            var services = portal.Factory.Services;
            var cloud = EmbeddedCloud(services)["Alibaba"];
            cloud.InstanceLimit = 2 * Hosts;
            cloud.CpuLimit = 20 * Hosts;
            var workers = services.GetRequiredService<IConfiguration>()["Portal:Jobs:Workers"] ?? "10";
            var bootDelay = services.GetRequiredService<IConfiguration>()["Portal:SandboxCloud:BootDelay"]
                ?? "00:00:02";
            var (pool, template) = await PoolAndTemplateAsync(services, ct);

            cloud.Faults.ThrottleRate = ThrottleRate;
            var callsBefore = cloud.Calls;
            var throttledBefore = throttled.Count;
            progress(Invariant($"growing pool {pool} by {Hosts} hosts"));
            var timer = Stopwatch.StartNew();
            var grown = await InScopeAsync(services, s =>
                s.GetRequiredService<PoolGrowth>().GrowAsync(pool, template, Hosts, ct)
            );
            if (!grown.Succeeded)
                throw new InvalidOperationException($"GrowAsync refused: {grown.Problem?.Message}");
            var requested = timer.Elapsed;
            var ids = grown.Value.Select(h => h.Id).ToList();
            List<CloudHost> hosts;
            while (true)
            {
                hosts = await InScopeAsync(services, s =>
                    s.GetRequiredService<PortalDbContext>()
                        .CloudHosts.AsNoTracking()
                        .Where(h => ids.Contains(h.Id))
                        .ToListAsync(ct)
                );
                if (hosts.All(h => h.State is CloudHostState.Ready or CloudHostState.Failed))
                    break;
                if (timer.Elapsed > TimeSpan.FromMinutes(15))
                {
                    findings.Add(
                        Invariant($"After 15 minutes {hosts.Count(h => h.State == CloudHostState.Ready)} hosts were ")
                            + "Ready; the others: "
                            + string.Join(", ", hosts.GroupBy(h => h.State).Select(g => $"{g.Key} {g.Count()}"))
                    );
                    break;
                }
                await Task.Delay(250, ct);
            }
            var total = timer.Elapsed;
            var calls = cloud.Calls - callsBefore;
            var throttledSeen = throttled.Count - throttledBefore;
            cloud.Faults.ThrottleRate = 0;

            var ready = hosts.Where(h => h.State == CloudHostState.Ready).ToList();
            var toReady = new Samples("time from the request to the host Ready (`ReadyAt - RequestedAt`)");
            foreach (var host in ready)
                toReady.Add((host.ReadyAt!.Value - host.RequestedAt).TotalMilliseconds);
            var kube = Kube(services);
            var nodes = (await kube.CoreV1.ListNodeAsync(cancellationToken: ct)).Items.ToDictionary(n =>
                n.Metadata.Name
            );
            var withoutNode = ready.Count(h =>
                !nodes.TryGetValue(h.Name, out var node)
                || node.Metadata.Labels?.TryGetValue("pool", out var label) != true
                || label != pool
            );
            var tagged = cloud
                .Instances.Where(i => i.Tags.TryGetValue("portal-host", out _))
                .GroupBy(i => i.Tags["portal-host"])
                .ToDictionary(g => g.Key, g => g.ToList());
            var ours = ids.Select(id => id.ToString("N")).ToHashSet();
            var instancesOfOurs = tagged.Where(t => ours.Contains(t.Key)).Sum(t => t.Value.Count);
            var secondInstances = tagged.Where(t => ours.Contains(t.Key)).Sum(t => t.Value.Count - 1);
            var withoutInstance = ready.Count(h => !tagged.ContainsKey(h.Id.ToString("N")));
            var orphans = cloud.Instances.Count(i =>
                i.State != EmulatedState.Terminated
                && (!i.Tags.TryGetValue("portal-host", out var tag) || !ours.Contains(tag))
            );
            var tokenNames = hosts
                .Where(h => h.BootstrapTokenId is not null)
                .Select(h => $"bootstrap-token-{h.BootstrapTokenId}")
                .ToHashSet();
            var secrets = await kube.CoreV1.ListNamespacedSecretAsync("kube-system", cancellationToken: ct);
            var tokensLeft = secrets.Items.Count(s => tokenNames.Contains(s.Metadata.Name));
            var failed = hosts.Count(h => h.State == CloudHostState.Failed);
            var notFinished = hosts.Count - ready.Count - failed;
            var lost = hosts.Count - ready.Count + withoutNode + secondInstances + withoutInstance;
            var failedIds = hosts
                .Where(h => h.State != CloudHostState.Ready)
                .Select(h => h.Id.ToString("N"))
                .ToHashSet();
            var leftByFailed = cloud.Instances.Count(i =>
                i.State != EmulatedState.Terminated
                && i.Tags.TryGetValue("portal-host", out var tag)
                && failedIds.Contains(tag)
            );

            report.Heading(Invariant($"## 1. A pool grown by {Hosts} Alibaba hosts through the sandbox cloud"));
            report.Line(
                "The portal in the cloud host tests' host (`SandboxPortalOn`: embedded sandbox cluster, Hangfire job "
                    + Invariant($"server with {workers} workers, PostgreSQL storage; embedded sandbox cloud, boot ")
                    + Invariant($"delay {bootDelay}); `PoolCatalog.CreateAsync` a pool on cluster `sandbox`, ")
                    + "`HostTemplates.CreateAsync` with account `sandbox-alibaba` (sandbox-1 / sandbox-1a, small.2c4g, "
                    + Invariant($"img-debian-12, 40 GiB), then `PoolGrowth.GrowAsync(pool, template, {Hosts})`. ")
                    + Invariant($"Emulated quotas raised to {cloud.InstanceLimit} instances / {cloud.CpuLimit} vCPUs; ")
                    + Invariant($"`Faults.ThrottleRate = {ThrottleRate}` (each Alibaba call answered ")
                    + "`Throttling.User` with that probability; the client makes 4 attempts with backoff)."
            );
            report.Line();
            report.Line("| figure | value |");
            report.Line("|---|---:|");
            report.Line(
                Invariant($"| `GrowAsync` answered (hosts planned, jobs queued) | {Format.Seconds(requested)} |")
            );
            report.Line(Invariant($"| **all {Hosts} hosts Ready or Failed** | **{Format.Seconds(total)}** |"));
            report.Line(Invariant($"| time to Ready p50 | {toReady.Percentile(0.50) / 1000:F2} s |"));
            report.Line(Invariant($"| time to Ready p95 | {toReady.Percentile(0.95) / 1000:F2} s |"));
            report.Line(Invariant($"| time to Ready max | {toReady.Max / 1000:F2} s |"));
            report.Line(Invariant($"| emulator calls (`EmulatedCloud.Calls` delta) | {calls:N0} |"));
            report.Line(Invariant($"| **calls per host** | **{calls / (double)Hosts:F1}** |"));
            report.Line(Invariant($"| throttled answers seen by the portal's Alibaba client | {throttledSeen:N0} |"));
            report.Line(Invariant($"| hosts Ready / Failed / neither | {ready.Count} / {failed} / {notFinished} |"));
            report.Line(Invariant($"| Ready without a node labelled pool={pool} in the cluster | {withoutNode} |"));
            report.Line(
                Invariant($"| Ready hosts without an instance / second instances of one host | {withoutInstance} / ")
                    + Invariant($"{secondInstances} |")
            );
            report.Line(
                Invariant(
                    $"| instances tagged with our hosts / running ones of no host | {instancesOfOurs} / {orphans} |"
                )
            );
            report.Line(Invariant($"| instances still running of the hosts not Ready | {leftByFailed} |"));
            report.Line(Invariant($"| bootstrap tokens of these hosts left in kube-system | {tokensLeft} |"));
            report.Line(Invariant($"| **hosts lost** | **{lost}** |"));
            report.Line();
            if (lost > 0 || orphans > 0 || tokensLeft > 0)
                findings.Add(
                    Invariant($"Provisioning at throttle rate {ThrottleRate}: {lost} of {Hosts} hosts lost ")
                        + Invariant($"({failed} Failed, {notFinished} unfinished, {withoutNode} without their node, ")
                        + Invariant($"{withoutInstance} without an instance, {secondInstances} second instances), ")
                        + Invariant($"{orphans} instances of no host, {tokensLeft} bootstrap tokens left.")
                        + FailureReasons(services, hosts)
                );
        }
        finally
        {
            progress("stopping the portal");
            try
            {
                await portal.DisposeAsync();
            }
            catch (InvalidOperationException e)
            {
                findings.Add($"Stopping the portal threw (the sandbox cloud's shutdown): {e.Message}");
                Console.Error.WriteLine(e);
            }
        }
    }

    private static string FailureReasons(IServiceProvider services, List<CloudHost> hosts)
    {
        var failed = hosts.Where(h => h.State == CloudHostState.Failed).Select(h => h.OperationId).ToList();
        if (failed.Count == 0)
            return "";
        using var scope = services.CreateScope();
        var errors = scope
            .ServiceProvider.GetRequiredService<PortalDbContext>()
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(o => failed.Contains(o.Id))
            .Select(o => o.Error)
            .ToList();
        return " Why: " + string.Join("; ", errors.GroupBy(e => e).Select(g => $"{g.Count()}× {g.Key}"));
    }

    private static async Task<(string Pool, string Template)> PoolAndTemplateAsync(
        IServiceProvider services,
        CancellationToken ct
    )
    {
        for (var waited = Stopwatch.StartNew(); ; await Task.Delay(200, ct))
        {
            var accounts = await InScopeAsync(services, s =>
                s.GetRequiredService<PortalDbContext>().CloudAccounts.CountAsync(ct)
            );
            if (accounts >= 5)
                break;
            if (waited.Elapsed > TimeSpan.FromSeconds(60))
                throw new TimeoutException("the sandbox cloud's accounts were not registered within 60 s");
        }
        var name = $"bench-{Guid.NewGuid().ToString("N")[..6]}";
        var pool = await InScopeAsync(services, async s =>
            await s.GetRequiredService<PoolCatalog>()
                .CreateAsync(new CreatePool(name, null, "sandbox", $"pool={name}", "sandbox-1", 1m, 1m, false), ct)
        );
        if (!pool.Succeeded)
            throw new InvalidOperationException($"the pool was refused: {pool.Problem?.Message}");
        var spec = new HostTemplateSpec(
            "bench-small",
            "sandbox-1",
            "sandbox-1a",
            "small.2c4g",
            "img-debian-12",
            40,
            null,
            null,
            null,
            null,
            "team=bench",
            ""
        );
        var template = await InScopeAsync(services, s =>
            s.GetRequiredService<HostTemplates>().CreateAsync(name, "sandbox-alibaba", spec, ct)
        );
        if (!template.Succeeded)
            throw new InvalidOperationException($"the template was refused: {template.Problem?.Message}");
        return (name, spec.Name!);
    }

    private static async Task InventoryAsync(
        string root,
        string server,
        Report report,
        List<string> findings,
        Action<string> progress,
        CancellationToken ct
    )
    {
        await using var database = await PostgresPortal.CreateAsync(server, "clouds", ct);
        progress(Invariant($"seeding {InventoryHosts:N0} hosts"));
        await SeedHostsAsync(database.Services, ct);
        progress("starting Portal.Web");
        await using var web = await WebProcess.StartAsync(
            root,
            database.ConnectionString,
            new Dictionary<string, string> { ["Portal:Database:Provider"] = "Postgres" },
            ct
        );
        using var api = await PortalApi.SignInAsync(web, ct);
        var hosts = $"/admin/clusters/{InventoryCluster}/hosts";
        var apiHosts = $"/api/v1/clusters/{InventoryCluster}/hosts";
        var middle = InventoryHosts / PageSize / 2;
        var cases = new (string Name, HttpClient Client, string Url, string Row, int Rows)[]
        {
            ("page: first page", web.Client, hosts, "<tr data-host=", PageSize),
            ($"page: middle page ({middle})", web.Client, $"{hosts}?page={middle}", "<tr data-host=", PageSize),
            (
                "page: filtered, name prefix node-12 (100 hosts)",
                web.Client,
                $"{hosts}?search=node-12",
                "<tr data-host=",
                PageSize
            ),
            (
                "page: filtered, NotReady (500 hosts), sorted by CPU",
                web.Client,
                $"{hosts}?state=NotReady&sort=CpuRequested&desc=true",
                "<tr data-host=",
                PageSize
            ),
            ("API: first page", api.Client, apiHosts, "\"name\":", PageSize),
            ($"API: middle page ({middle})", api.Client, $"{apiHosts}?page={middle}", "\"name\":", PageSize),
            ("API: filtered, name prefix node-12", api.Client, $"{apiHosts}?search=node-12", "\"name\":", PageSize),
            ("API: page of 200, NotReady", api.Client, $"{apiHosts}?state=NotReady&pageSize=200", "\"name\":", 200),
        };
        var measured = new List<Samples>();
        foreach (var (name, client, url, row, rows) in cases)
        {
            progress(name);
            var samples = new Samples($"{name} — `{url}`");
            for (var i = 0; i < Warmup + Requests; i++)
            {
                var t = Stopwatch.StartNew();
                using var response = await client.GetAsync(url, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                t.Stop();
                if (response.StatusCode != HttpStatusCode.OK)
                    throw new InvalidOperationException(
                        $"GET {url} answered {(int)response.StatusCode}:\n{web.Output}"
                    );
                if (Count(body, row) < rows)
                    throw new InvalidOperationException($"GET {url} shows {Count(body, row)} hosts, not {rows}");
                if (i >= Warmup)
                    samples.Add(t.Elapsed.TotalMilliseconds);
            }
            measured.Add(samples);
        }
        report.Heading(Invariant($"## 2. Hosts inventory at {InventoryHosts:N0} hosts"));
        report.Line(
            Invariant($"{InventoryHosts:N0} `ClusterHost` rows of one cluster seeded through the DbContext (every ")
                + "7th NotReady, 10 pools by label, load on each); the inventory does not join cloud hosts in this "
                + "version, so no `CloudHost` rows. Over HTTP against the real portal (`src/Portal.Web`, "
                + Invariant($"{Machine.BuildConfiguration}, child process on 127.0.0.1, PostgreSQL), the page signed ")
                + "in as the platform admin by the login form, the API with the CLI's bearer token; "
                + Invariant($"{Warmup} warm-up requests then {Requests} measured, sequential, body read in full. ")
                + Invariant($"Pages of {PageSize} (the default). Budget: p95 < 100 ms.")
        );
        report.Line();
        report.Table(measured);
        foreach (var over in measured.Where(s => s.Percentile(0.95) >= 100))
            findings.Add(Invariant($"Over budget: {over.Name} p95 {over.Percentile(0.95):F1} ms (budget 100 ms)."));
    }

    private const int PageSize = 25;

    private static async Task SeedHostsAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var now = DateTime.UtcNow;
        var cluster = Cluster
            .Register(InventoryCluster, null, "https://127.0.0.1:1", "unused", "v1.32.0", InventoryCluster, now)
            .Value;
        db.Clusters.Add(cluster);
        for (var h = 0; h < InventoryHosts; h++)
        {
            var host = new ClusterHost(cluster.Id, $"node-{h:0000}");
            var ready = h % 7 != 0;
            host.Observe(
                new NodeSnapshot(
                    host.Name,
                    Invariant($"InternalIP=10.1.{h / 250}.{h % 250}"),
                    "worker",
                    $"kubernetes.io/hostname={host.Name}\npool=p{h % 10}",
                    "",
                    ready ? "Ready=True||" : "Ready=False|KubeletNotReady|",
                    ready,
                    false,
                    "",
                    16000,
                    64L << 30,
                    110,
                    1L << 40,
                    15500,
                    62L << 30,
                    110,
                    now
                ),
                now
            );
            host.ObserveLoad(100 * (h % 150), (h % 60) * (1L << 30), h % 110);
            db.Hosts.Add(host);
        }
        await db.SaveChangesAsync(ct);
    }

    private static SandboxCloud.Hosting.SandboxCloud EmbeddedCloud(IServiceProvider services) =>
        (SandboxCloud.Hosting.SandboxCloud)Embedded(services, "Portal.Web.Clouds.EmbeddedSandboxCloud", "Cloud");

    private static Kubernetes Kube(IServiceProvider services)
    {
        var cluster = (SandboxCluster)Embedded(services, "Portal.Web.Clusters.EmbeddedSandbox", "Cluster");
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(cluster.Kubeconfig));
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    // The portal's embedded sandboxes are internal to Portal.Web (visible to its tests only); the benchmark reads the
    // running ones out of the container rather than widening the portal's surface for it.
    private static object Embedded(IServiceProvider services, string typeName, string property)
    {
        var type = typeof(Portal.Web.Clusters.HostQuery).Assembly.GetType(typeName, throwOnError: true)!;
        return type.GetProperty(property, BindingFlags.Public | BindingFlags.Instance)!
            .GetValue(services.GetRequiredService(type))
            ?? throw new InvalidOperationException($"{typeName}.{property} is not running");
    }

    private static async Task<T> InScopeAsync<T>(IServiceProvider services, Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        return await work(scope.ServiceProvider);
    }

    private static int Count(string text, string what)
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

    /// <summary>The cloud host tests' portal on PostgreSQL, its Alibaba client counting throttled answers.</summary>
    private sealed class CloudSandboxPortal(ThrottledAnswers throttled) : SandboxPortalOn
    {
        protected override DatabaseKind Kind => DatabaseKind.Postgres;

        protected override Action<IServiceCollection>? TestServices =>
            services =>
                services.AddHttpClient(nameof(CloudKind.Alibaba)).AddHttpMessageHandler(() => new Counting(throttled));
    }

    private sealed class ThrottledAnswers
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void Add() => Interlocked.Increment(ref _count);
    }

    private sealed class Counting(ThrottledAnswers throttled) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request,
            CancellationToken cancellationToken
        )
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                var body = await response.Content.ReadAsStringAsync(cancellationToken);
                if (body.Contains("Throttling", StringComparison.Ordinal))
                    throttled.Add();
            }
            return response;
        }
    }
}
