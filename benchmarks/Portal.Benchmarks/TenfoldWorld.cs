using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Middleware;
using Portal.Domain.Monitoring;
using Portal.Domain.Operations;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;
using Portal.Sandbox.Api;
using Portal.Sandbox.Hosting;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// The ten-times world of `--tenfold`: clusters, pools, tenants, quotas and environments through the portal's API (its
/// own services and operations), applications through the API too; revisions, deployments, audit entries, alert rules
/// and middleware instances in bulk through the same EF model and domain factories; running pods as objects of three
/// sandbox clusters, which the portal's cluster watch turns into hosts and pod rows.
/// </summary>
internal sealed class TenfoldWorld(double scale)
{
    public const string BusyTenant = "acme";
    public const string ContainerImage = "registry.example.com/shop/app:1.0";
    private const int PodsPerDeployment = 3;
    private static readonly string[] EnvironmentNames = ["dev", "prod"];

    public int Tenants { get; } = Math.Max(3, (int)(200 * scale));
    public int Applications { get; } = (int)(11_000 * scale);
    public int BusyApplications { get; } = (int)(2_000 * scale);
    public int Hosts { get; } = (int)(3_500 * scale);
    public int MiddlewareInstances { get; } = (int)(1_800 * scale);
    public int Revisions { get; } = (int)(70_000 * scale);
    public int AuditEntries { get; } = (int)(500_000 * scale);
    public int AlertRules { get; } = (int)(5_000 * scale);
    public const int MetricDays = 30;

    public List<SandboxCluster> Clusters { get; } = [];
    public List<string> ClusterNames { get; } = [];
    public List<(string Slug, int Apps, string Pool)> TenantRows { get; } = [];
    public Dictionary<string, SeedTimes> Took { get; } = new(StringComparer.Ordinal);
    public int Pods { get; private set; }
    public int RevisionsMade { get; private set; }

    /// <summary>Pods per followed app and namespace: what the watch-currency part changes.</summary>
    public List<(SandboxCluster Cluster, string Namespace, string Pod, string Tenant, string App)> PodIndex { get; } =
    [];

    public sealed record SeedTimes(int Rows, TimeSpan Took, string How);

    public static string AppName(int tenant, int i) => Invariant($"svc-{tenant:000}-{i:00000}");

    public string Slug(int t) => t == 0 ? BusyTenant : Invariant($"tenant-{t:000}");

    public int AppsOf(int t) =>
        t == 0
            ? BusyApplications
            : (Applications - BusyApplications) / (Tenants - 1)
                + (t - 1 < (Applications - BusyApplications) % (Tenants - 1) ? 1 : 0);

    public async Task StartClustersAsync(CancellationToken ct)
    {
        for (var c = 0; c < 3; c++)
        {
            var sandbox = await SandboxCluster.StartAsync(
                new SandboxOptions
                {
                    NodeCount = Hosts / 3 + (c < Hosts % 3 ? 1 : 0),
                    NodeMaxPods = 250,
                    RunControllers = false,
                    RecordPodLifecycleEvents = false,
                },
                ct
            );
            Clusters.Add(sandbox);
            ClusterNames.Add(Invariant($"ten-{c}"));
        }
    }

    public async Task SeedThroughApiAsync(
        PortalApi api,
        IServiceProvider services,
        Action<string> progress,
        CancellationToken ct
    )
    {
        var clock = Stopwatch.StartNew();
        for (var c = 0; c < Clusters.Count; c++)
        {
            await api.SendAsync(
                HttpMethod.Post,
                "/api/v1/clusters",
                new
                {
                    name = ClusterNames[c],
                    displayName = $"Sandbox {c}",
                    kubeconfig = Clusters[c].Kubeconfig,
                },
                HttpStatusCode.Created,
                ct
            );
            await api.SendAsync(
                HttpMethod.Post,
                "/api/v1/pools",
                new
                {
                    name = Invariant($"pool-{c}"),
                    displayName = Invariant($"Pool {c}"),
                    cluster = ClusterNames[c],
                    region = "local",
                    cpuOvercommit = 1m,
                    memoryOvercommit = 1m,
                },
                HttpStatusCode.Created,
                ct
            );
        }
        Took["clusters and pools"] = new(Clusters.Count * 2, clock.Elapsed, "API (`POST /api/v1/clusters`, `/pools`)");
        progress("clusters and pools registered");

        clock.Restart();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, Tenants),
            new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct },
            async (t, c) =>
                await api.SendAsync(
                    HttpMethod.Post,
                    "/api/v1/tenants",
                    new { slug = Slug(t), displayName = Invariant($"Tenant {t}") },
                    HttpStatusCode.Created,
                    c
                )
        );
        for (var t = 0; t < Tenants; t++)
            TenantRows.Add((Slug(t), AppsOf(t), Invariant($"pool-{t % 3}")));
        Took["tenants"] = new(Tenants, clock.Elapsed, "API (`POST /api/v1/tenants`)");
        progress("tenants made");

        // A pool's capacity is what the watch wrote of its hosts: a grant waits for them.
        clock.Restart();
        var granting = Stopwatch.StartNew();
        foreach (var (slug, apps, pool) in TenantRows)
        {
            var pods = apps * PodsPerDeployment * 2;
            while (true)
            {
                try
                {
                    await api.SendAsync(
                        HttpMethod.Put,
                        $"/api/v1/pools/{pool}/quotas/{slug}",
                        Share(pods, 4),
                        HttpStatusCode.OK,
                        ct
                    );
                    break;
                }
                catch (ApiRefused) when (granting.Elapsed < TimeSpan.FromMinutes(5))
                {
                    await Task.Delay(500, ct);
                }
            }
        }
        Took["quotas"] = new(Tenants, clock.Elapsed, "API (`PUT /api/v1/pools/{pool}/quotas/{tenant}`)");
        progress("quotas granted");

        clock.Restart();
        var operations = new List<Guid>();
        foreach (var (slug, apps, pool) in TenantRows)
        {
            var pods = apps * PodsPerDeployment;
            foreach (var environment in EnvironmentNames)
                operations.Add(
                    await api.AcceptedAsync(
                        $"/api/v1/tenants/{slug}/environments",
                        new
                        {
                            name = environment,
                            pool,
                            share = Share(pods, 1),
                        },
                        ct
                    )
                );
        }
        var done = await LiveApplicationsBenchmark.WaitForAsync(
            services,
            operations,
            TimeSpan.FromMinutes(30),
            ct,
            seen => progress(Invariant($"environments: {seen.Count(o => o.IsFinished)} of {operations.Count} done"))
        );
        if (done.Any(o => o.State != OperationState.Succeeded))
            throw new InvalidOperationException(
                "Environments not made: "
                    + string.Join(
                        "; ",
                        done.Where(o => o.State != OperationState.Succeeded).Take(5).Select(o => o.Error)
                    )
            );
        Took["environments"] = new(
            operations.Count,
            clock.Elapsed,
            "API (`POST …/environments`), each an operation run by the portal's job server against its "
                + "sandbox cluster"
        );

        clock.Restart();
        var work = TenantRows.SelectMany((row, t) => Enumerable.Range(0, row.Apps).Select(i => (row.Slug, t, i)));
        var made = 0;
        await Parallel.ForEachAsync(
            work,
            new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = ct },
            async (item, c) =>
            {
                await api.SendAsync(
                    HttpMethod.Post,
                    $"/api/v1/tenants/{item.Slug}/apps",
                    new
                    {
                        name = AppName(item.t, item.i),
                        description = Invariant($"Service {item.i} of tenant {item.t}"),
                        owner = Invariant($"team-{item.i % 12}"),
                        spec = Spec(),
                    },
                    HttpStatusCode.Created,
                    c
                );
                if (Interlocked.Increment(ref made) % 1000 == 0)
                    progress(Invariant($"applications: {made:N0}"));
            }
        );
        Took["applications"] = new(made, clock.Elapsed, "API (`POST /api/v1/tenants/{tenant}/apps`), 6 at a time");
    }

    public static DeploymentSpec Spec(int replicas = PodsPerDeployment) =>
        new()
        {
            Image = ContainerImage,
            Ports = [new ContainerPort("http", 8080)],
            Resources = new ContainerResources(10, 20, 16L << 20, 32L << 20),
            Replicas = replicas,
        };

    /// <summary>
    /// A tenant's grant or an environment's share for so many pods of 10m/16Mi (limits 20m/32Mi); the headroom lets the
    /// two environments' shares fit in the tenant's grant.
    /// </summary>
    private static Dictionary<string, string> Share(int pods, int headroom)
    {
        var amounts = new Dictionary<string, string>
        {
            ["cpuRequests"] = Invariant($"{Math.Ceiling(pods * 0.012) + headroom}"),
            ["cpuLimits"] = Invariant($"{Math.Ceiling(pods * 0.024) + 2 * headroom}"),
            ["memoryRequests"] = Invariant($"{pods * 20 + 1024 * headroom}Mi"),
            ["memoryLimits"] = Invariant($"{pods * 40 + 2048 * headroom}Mi"),
            ["storage"] = "0",
            ["pods"] = (pods + 10 * headroom).ToString(CultureInfo.InvariantCulture),
        };
        // A tenant's grant also counts middleware instances; an environment's share does not.
        if (headroom > 1)
            amounts["middlewareInstances"] = "100";
        return amounts;
    }

    /// <summary>
    /// Revisions (the deploy history) and the deployments they run as, in batches through EF with the domain's own
    /// methods (<see cref="Application.NewRevision"/>, <see cref="AppDeployment.Deploy"/>): through the deploy path one
    /// by one they would be 70,000 rollouts.
    /// </summary>
    public async Task SeedHistoryAsync(IServiceProvider services, Action<string> progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var vault = services.GetRequiredService<SpecVault>();
        var perApp = Math.Max(1, Revisions / Math.Max(1, Applications));
        var extra = Revisions - perApp * Applications;
        var now = DateTime.UtcNow;
        var deployments = 0;
        for (var t = 0; t < TenantRows.Count; t++)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var slug = TenantRows[t].Slug;
            var tenantId = await db.Tenants.Where(x => x.Slug == slug).Select(x => x.Id).SingleAsync(ct);
            var apps = await db
                .Applications.IgnoreQueryFilters()
                .Where(a => a.TenantId == tenantId)
                .OrderBy(a => a.Name)
                .ToListAsync(ct);
            var environments = await db
                .Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenantId)
                .ToDictionaryAsync(e => e.Name, ct);
            for (var i = 0; i < apps.Count; i++)
            {
                var app = apps[i];
                var count = perApp + (extra-- > 0 ? 1 : 0);
                Revision? dev = null,
                    prod = null;
                for (var r = 0; r < count; r++)
                {
                    var target = r == count - 1 && i % 2 == 0 ? "prod" : "dev";
                    var revision = app.NewRevision(
                        Spec(),
                        vault.Seal,
                        target,
                        r % 3 == 0 ? "ci-bot" : "dev@example.com",
                        r % 4 == 0 ? Invariant($"release {r}") : null,
                        "deploy",
                        now.AddDays(-40).AddHours(r * 6 + i % 6)
                    ).Value;
                    db.Add(revision);
                    if (target == "prod")
                        prod = revision;
                    else
                        dev = revision;
                }
                RevisionsMade += count;
                foreach (var (name, revision) in new[] { ("dev", dev), ("prod", prod) })
                {
                    if (revision is null)
                        continue;
                    var deployment = new AppDeployment(app, environments[name].Id, revision.CreatedAt);
                    deployment.Deploy(revision, Spec(), false, revision.CreatedAt);
                    deployment.RolledOut(revision.CreatedAt);
                    db.Add(deployment);
                    deployments++;
                    var ns = environments[name].Namespace;
                    var cluster = Clusters[t % 3];
                    for (var p = 0; p < PodsPerDeployment; p++)
                        PodIndex.Add((cluster, ns, Invariant($"{app.Name}-{p:x5}"), slug, app.Name));
                }
            }
            await db.SaveChangesAsync(ct);
            if (t % 10 == 0)
                progress(Invariant($"history: {RevisionsMade:N0} revisions after {TenantRows[t].Slug}"));
        }
        Took["revisions"] = new(RevisionsMade, clock.Elapsed, "EF, `Application.NewRevision` (sealed by `SpecVault`)");
        Took["deployments"] = new(
            deployments,
            TimeSpan.Zero,
            "EF, `AppDeployment.Deploy` + `RolledOut` (with the revisions)"
        );
    }

    /// <summary>
    /// The deployments' pods as Running objects of the sandbox clusters, labelled as the portal labels what it deploys
    /// (managed-by, name, revision annotation), so that the portal's watch lists them and writes their rows.
    /// </summary>
    public void SeedPods()
    {
        var clock = Stopwatch.StartNew();
        var nodes = Clusters.ToDictionary(c => c, c => c.Store.List(ResourceKinds.Node).Select(n => n.Name).ToArray());
        var i = 0;
        foreach (var (cluster, ns, pod, _, app) in PodIndex)
        {
            var node = nodes[cluster][i++ % nodes[cluster].Length];
            cluster.Objects.Create(ResourceKinds.Pod, ns, RunningPod(pod, app, node, i, cluster.Objects.Now));
        }
        Pods = PodIndex.Count;
        Took["pods"] = new(
            Pods,
            clock.Elapsed,
            "sandbox objects (`ResourceRegistry.Create`, in the benchmark process), "
                + "then listed and written by the portal's own cluster watch"
        );
    }

    private static JsonObject RunningPod(string name, string app, string node, int i, string now) =>
        new()
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["labels"] = new JsonObject
                {
                    ["app.kubernetes.io/managed-by"] = Portal
                        .Infrastructure
                        .Environments
                        .EnvironmentProvisioner
                        .ManagedBy,
                    ["app.kubernetes.io/name"] = app,
                },
                ["annotations"] = new JsonObject { ["portal/revision"] = "1" },
            },
            ["spec"] = new JsonObject
            {
                ["nodeName"] = node,
                ["containers"] = new JsonArray(
                    new JsonObject
                    {
                        ["name"] = "app",
                        ["image"] = ContainerImage,
                        ["resources"] = new JsonObject
                        {
                            ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" },
                            ["limits"] = new JsonObject { ["cpu"] = "20m", ["memory"] = "32Mi" },
                        },
                    }
                ),
            },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["podIP"] = Invariant($"10.{i / 62500 % 250}.{i / 250 % 250}.{i % 250 + 2}"),
                ["startTime"] = now,
                ["conditions"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Ready",
                        ["status"] = "True",
                        ["lastTransitionTime"] = now,
                    }
                ),
                ["containerStatuses"] = new JsonArray(
                    new JsonObject
                    {
                        ["name"] = "app",
                        ["ready"] = true,
                        ["restartCount"] = 0,
                        ["started"] = true,
                        ["image"] = ContainerImage,
                        ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = now } },
                    }
                ),
            },
        };

    /// <summary>Audit entries over 90 days, alert rules, and middleware instances (Ready) in bulk through EF.</summary>
    public async Task SeedBulkAsync(IServiceProvider services, Action<string> progress, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        Dictionary<string, Guid> tenantIds;
        List<(Guid TenantId, Guid EnvironmentId, string Tenant)> environments;
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            tenantIds = await db.Tenants.ToDictionaryAsync(t => t.Slug, t => t.Id, ct);
            environments = (
                await db.Environments.IgnoreQueryFilters().Select(e => new { e.TenantId, e.Id }).ToListAsync(ct)
            )
                .Select(e => (e.TenantId, e.Id, tenantIds.Single(t => t.Value == e.TenantId).Key))
                .ToList();
        }

        var clock = Stopwatch.StartNew();
        string[] actions =
        [
            "app.deploy",
            "app.scale",
            "app.update",
            "environment.create",
            "member.invite",
            "app.create",
        ];
        for (var start = 0; start < AuditEntries; start += 5000)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            for (var k = start; k < Math.Min(start + 5000, AuditEntries); k++)
            {
                var (slug, apps, _) = TenantRows[k % 7 == 0 ? 0 : k % TenantRows.Count];
                var t = TenantRows.FindIndex(r => r.Slug == slug);
                var app = AppName(t, k % Math.Max(1, apps));
                db.Add(
                    new AuditEvent(
                        new Actor(null, k % 3 == 0 ? "ci-bot" : Invariant($"dev{k % 40}@example.com"), "10.0.0.7"),
                        tenantIds[slug],
                        slug,
                        actions[k % actions.Length],
                        "Application",
                        app,
                        k % 50 == 0 ? AuditOutcome.Failed : AuditOutcome.Succeeded,
                        now.AddSeconds(-(AuditEntries - k) * (90.0 * 86400 / AuditEntries)),
                        Invariant($"{app}: replicas 2 → 3")
                    )
                );
            }
            await db.SaveChangesAsync(ct);
            if (start % 50_000 == 0)
                progress(Invariant($"audit: {start:N0}"));
        }
        Took["audit entries"] = new(AuditEntries, clock.Elapsed, "EF, `new AuditEvent(…)`, batches of 5,000");

        clock.Restart();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            AlertMetric[] metrics = [AlertMetric.AppCpuPercent, AlertMetric.AppMemoryPercent];
            for (var k = 0; k < AlertRules; k++)
            {
                var (slug, apps, _) = TenantRows[k % 5 == 0 ? 0 : k % TenantRows.Count];
                var t = TenantRows.FindIndex(r => r.Slug == slug);
                // Every 50th rule is the platform's own, on its nodes, so that the admin's rule pages have one too.
                var platform = k % 50 == 49;
                var rule = AlertRule.Create(
                    platform ? RuleScope.Platform : RuleScope.App,
                    platform ? null : tenantIds[slug],
                    platform ? null : AppName(t, k / TenantRows.Count % Math.Max(1, apps)),
                    new RuleSettings(
                        Invariant($"rule {k}"),
                        platform ? AlertMetric.NodeCpuPercent : metrics[k % 2],
                        Aggregation.Avg,
                        Comparator.Above,
                        80 + k % 15,
                        5,
                        Severity.Warning,
                        []
                    ),
                    now
                );
                db.Add(rule.Value);
            }
            await db.SaveChangesAsync(ct);
        }
        Took["alert rules"] = new(
            AlertRules,
            clock.Elapsed,
            "EF, `AlertRule.Create` (app scope; every 50th platform scope)"
        );

        clock.Restart();
        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            var vault = scope.ServiceProvider.GetRequiredService<CredentialVault>();
            var templates = await db.MiddlewareTemplates.Where(t => !t.Hidden).OrderBy(t => t.Name).ToListAsync(ct);
            var tenants = await db.Tenants.ToDictionaryAsync(t => t.Id, ct);
            for (var k = 0; k < MiddlewareInstances; k++)
            {
                var environment = environments[k % environments.Count];
                var template = templates[k % templates.Count];
                var created = MiddlewareInstance.Create(
                    tenants[environment.TenantId],
                    environment.EnvironmentId,
                    Invariant($"{template.Name}-{k / environments.Count:000}").ToLowerInvariant(),
                    template,
                    template.LatestVersion()!.Version,
                    template.DefaultPlan()?.Name,
                    new Dictionary<string, string?>(),
                    vault.Seal(InstanceCredentials.Generate(template.Definition.Credentials)),
                    "bench",
                    now
                );
                var instance = created.Succeeded
                    ? created.Value
                    : throw new InvalidOperationException($"instance {k}: {created.Problem!.Message}");
                instance.MarkReady(Invariant($"{instance.Name}.svc:6379"), now);
                db.Add(instance);
            }
            await db.SaveChangesAsync(ct);
        }
        Took["middleware instances"] = new(
            MiddlewareInstances,
            clock.Elapsed,
            "EF, `MiddlewareInstance.Create` + `MarkReady` over the portal's seeded catalog"
        );
    }
}
