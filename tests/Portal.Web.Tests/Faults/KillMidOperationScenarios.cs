using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// Operations survive the portal's death at any step: environment creations, deploys, scales and middleware
/// provisionings are started through the API of a real portal process, which is killed with SIGKILL at a moment
/// spread over the operation's journal (drawn from a seed, printed), and started again on the same database. Each
/// operation must then end, succeeded or failed with a reason, exactly once: revisions numbered without gap or double,
/// and the cluster holding exactly the objects it should. The sandbox cluster is a process of its own, kept for all
/// trials, so that killing the portal loses nothing of the cluster.
/// </summary>
public sealed class KillMidOperationScenarios(ITestOutputHelper output)
{
    private const int Trials = 20;

    /// <summary>Overrides the seed of the kill moments, to replay a run whose trial failed.</summary>
    private const string SeedVariable = "PORTAL_KILL_TRIALS_SEED";
    private const int DefaultSeed = 1717;

    /// <summary>
    /// The steps each kind of operation journals, in order: a kill is planned right after the operation was accepted
    /// (before any step), or once one of these steps has begun, plus a few milliseconds.
    /// </summary>
    private static readonly (string Kind, string[] Steps)[] Journals =
    [
        (
            OperationKinds.EnvironmentCreate,
            ["namespace", "node-selector", "resource-quota", "limit-range", "network-policy"]
        ),
        (OperationKinds.ApplicationDeploy, ["config", "deployment", "service", "ingress", "autoscaler", "rollout"]),
        (OperationKinds.ApplicationScale, ["autoscaler", "replicas", "rollout"]),
        (OperationKinds.MiddlewareProvision, ["objects", "ready"]),
    ];

    private static readonly int[] ScaledTo = [2, 3, 1, 3, 2];

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <remarks>
    /// On SQLite the portal keeps its jobs in memory: the restarted portal's sweeper finds the interrupted operation
    /// once its claim lapsed. On PostgreSQL the job outlives the process too, and whichever comes first takes it up.
    /// </remarks>
    [SkippableTheory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task Operations_killed_at_any_step_end_once_succeeded_or_clearly_failed_after_a_restart(
        DatabaseKind kind
    )
    {
        PipelineRunCrashScenarios.RequireDatabase(kind);
        var seed = int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), out var chosen)
            ? chosen
            : DefaultSeed;
        var plans = Plan(seed, Trials);
        output.WriteLine($"seed {seed} ({SeedVariable} replays another): {plans.Count} trials");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        var ct = timeout.Token;
        var folder = Directory.CreateTempSubdirectory("portal-kills-").FullName;
        var kubeconfig = Path.Combine(folder, "sandbox.yaml");
        var database = PortalDatabase.For(kind, folder);
        ChildProcess? sandbox = null;
        Portal? portal = null;
        try
        {
            // Pods start after a second: a rollout lasts long enough for a kill to land in it.
            sandbox = await ProcessWorld.StartSandboxAsync(kubeconfig, ct, podStartDelayMs: 1000);
            using var cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            portal = await Portal.StartAsync(Settings(database), ct);
            var world = await ArrangeAsync(portal, database, await File.ReadAllTextAsync(kubeconfig, ct), ct);
            Note($"arranged: {ProcessWorld.DevNamespace}, '{ProcessWorld.App}' at revision 1");

            var outcomes = new List<(KillPlan Plan, OperationState State)>();
            foreach (var plan in plans)
            {
                var (operationId, started) = await StartAsync(portal, world, plan, ct);
                var killedAt = await KillWhenPlannedAsync(portal, database, operationId, plan, ct);
                var moment = await MomentAsync(database, operationId, ct);
                portal.Dispose();
                portal = await Portal.StartAsync(Settings(database), ct);
                var ended = await UntilEndedAsync(database, operationId, portal, ct);
                output.WriteLine(
                    $"trial {plan.Trial, 2}  {plan.Kind, -20}  kill {plan, -34}  "
                        + $"{killedAt.TotalSeconds, 5:F2} s after 202, {moment, -32}  "
                        + $"→ {ended.State} {(_clock.Elapsed - started).TotalSeconds, 5:F1} s after 202, "
                        + $"{ended.Attempts} run(s){(ended.Error is null ? "" : $": {ended.Error}")}"
                );
                Assert.True(
                    ended.State == OperationState.Succeeded || !string.IsNullOrWhiteSpace(ended.Error),
                    $"Trial {plan.Trial}: the operation failed without saying why."
                );
                Assert.DoesNotContain("   at ", ended.Error ?? "");
                await CheckAsync(database, cluster, world, plan, ended, ct);
                outcomes.Add((plan, ended.State));
            }

            await CheckNothingLostOrDoubledAsync(database, cluster, world, ct);
            foreach (var group in outcomes.GroupBy(o => o.Plan.Kind))
                output.WriteLine(
                    $"{group.Key, -20} {group.Count()} trials: "
                        + string.Join(", ", group.GroupBy(o => o.State).Select(s => $"{s.Count()} {s.Key}"))
                );
            Note("every operation ended once; revisions and cluster objects as they should be");
        }
        finally
        {
            if (portal is not null)
                output.WriteLine($"--- the portal's last lines:\n{portal.Process.Tail(40)}");
            portal?.Dispose();
            sandbox?.Dispose();
            await database.DropAsync();
            PipelineRunCrashScenarios.DeleteQuietly(folder);
        }
    }

    /// <summary>When to kill: once <see cref="AfterStep"/> began (null: as soon as accepted), plus a few ms.</summary>
    private sealed record KillPlan(int Trial, string Kind, string? AfterStep, int ExtraMs)
    {
        public override string ToString() =>
            $"{(AfterStep is null ? "when accepted" : $"in '{AfterStep}'")} +{ExtraMs} ms";
    }

    /// <summary>
    /// The kinds in turn; for each kind, its trials spread over its moments (accepted, then each step) in equal strata,
    /// one moment drawn in each, so that every step is hit whatever the seed when there are as many trials as steps.
    /// </summary>
    private static List<KillPlan> Plan(int seed, int trials)
    {
        var random = new Random(seed);
        var plans = new List<KillPlan>();
        for (var trial = 0; trial < trials; trial++)
        {
            var k = trial % Journals.Length;
            var (kind, steps) = Journals[k];
            var ofKind = (trials - k + Journals.Length - 1) / Journals.Length;
            var moments = steps.Length + 1;
            var moment = (int)((trial / Journals.Length + random.NextDouble()) / ofKind * moments);
            plans.Add(new KillPlan(trial + 1, kind, moment == 0 ? null : steps[moment - 1], random.Next(0, 300)));
        }
        return plans;
    }

    /// <summary>
    /// Short leases and timeouts, so that a restarted portal takes an interrupted operation up within seconds: the
    /// sweep every two seconds, a claim lapsing 12 s after its last renewal, a cluster's watch lease after 6 s.
    /// </summary>
    private static Dictionary<string, string> Settings(PortalDatabase database) =>
        new()
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:Database:Provider"] = database.Provider.ToString(),
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Jobs:RunServer"] = "true",
            ["Portal:Builds:InstallTools"] = "false",
            ["Portal:Builds:Registry:Embedded"] = "false",
            ["Portal:Clusters:LeaseDuration"] = "00:00:06",
            ["Portal:Applications:RolloutTimeout"] = "00:00:10",
            ["Portal:Applications:RecheckEvery"] = "00:00:00.500",
            ["Portal:Operations:QueuedFor"] = "00:00:03",
            ["Portal:Operations:StalledAfter"] = "00:00:12",
            ["Portal:Operations:SweepSchedule"] = "*/2 * * * * *",
            ["Portal:Jobs:InvisibilityTimeout"] = "00:00:14",
        };

    /// <summary>What the trials run on, and what was accepted, to count the database and the cluster against.</summary>
    private sealed class World(Guid tenantId)
    {
        public Guid TenantId { get; } = tenantId;
        public List<string> Environments { get; } = [ProcessWorld.Dev];
        public List<string> Instances { get; } = [];
        public int Deploys { get; set; } = 1;
        public int Scales { get; set; }

        public int Started(string kind) =>
            kind switch
            {
                OperationKinds.EnvironmentCreate => Environments.Count,
                OperationKinds.ApplicationDeploy => Deploys,
                OperationKinds.ApplicationScale => Scales,
                _ => Instances.Count,
            };
    }

    /// <summary>The platform admin's and the tenant's first steps through the API: cluster to a deployed app.</summary>
    private static async Task<World> ArrangeAsync(
        Portal portal,
        PortalDatabase database,
        string kubeconfig,
        CancellationToken ct
    )
    {
        await ProcessWorld.RegisterClusterAsync(portal.Api, kubeconfig, ct);
        await ProcessWorld.ArrangeShopAsync(portal.Api, database, ProcessWorld.ShopSpec(deploy: 0), ct);
        await ProcessWorld.DeployShopAsync(portal.Api, database, "deploy 0", ct);
        await using var db = database.Open();
        return new World(await db.Tenants.Where(t => t.Slug == ProcessWorld.Tenant).Select(t => t.Id).SingleAsync(ct));
    }

    private static Task<HttpResponseMessage> DeployAsync(HttpClient api, int deploy, CancellationToken ct) =>
        api.PostAsJsonAsync($"{ProcessWorld.ShopInDevPath}/deploy", new { note = $"deploy {deploy}" }, ct);

    /// <summary>Starts the trial's operation through the API; its id, from the 202, and when it was accepted.</summary>
    private async Task<(Guid Operation, TimeSpan Accepted)> StartAsync(
        Portal portal,
        World world,
        KillPlan plan,
        CancellationToken ct
    )
    {
        var api = portal.Api;
        Task<HttpResponseMessage> call;
        switch (plan.Kind)
        {
            case OperationKinds.EnvironmentCreate:
                var environment = $"e{plan.Trial}";
                world.Environments.Add(environment);
                call = ProcessWorld.CreateEnvironmentAsync(api, environment, 1, ct);
                break;
            case OperationKinds.ApplicationDeploy:
                await ProcessWorld.SucceedsAsync(
                    api.PutAsJsonAsync(
                        $"/api/v1/tenants/{ProcessWorld.Tenant}/apps/{ProcessWorld.App}",
                        new
                        {
                            description = "The shop",
                            owner = "team-shop",
                            spec = ProcessWorld.ShopSpec(deploy: world.Deploys),
                        },
                        ct
                    )
                );
                call = DeployAsync(api, world.Deploys++, ct);
                break;
            case OperationKinds.ApplicationScale:
                call = api.PostAsJsonAsync(
                    $"{ProcessWorld.ShopInDevPath}/scale",
                    new { replicas = ScaledTo[world.Scales++ % ScaledTo.Length] },
                    ct
                );
                break;
            default:
                var instance = $"mw{plan.Trial}";
                world.Instances.Add(instance);
                call = api.PostAsJsonAsync(
                    $"/api/v1/tenants/{ProcessWorld.Tenant}/middleware/instances",
                    new
                    {
                        environment = ProcessWorld.Dev,
                        name = instance,
                        template = "redis",
                        version = "7.2.7",
                        plan = "small",
                    },
                    ct
                );
                break;
        }
        return (await ProcessWorld.AcceptedAsync(call), _clock.Elapsed);
    }

    /// <summary>
    /// Watches the operation's journal and kills the portal once the planned step has begun (or at once), plus the
    /// planned milliseconds; how long after the 202 that was.
    /// </summary>
    private static async Task<TimeSpan> KillWhenPlannedAsync(
        Portal portal,
        PortalDatabase database,
        Guid operationId,
        KillPlan plan,
        CancellationToken ct
    )
    {
        var since = Stopwatch.StartNew();
        if (plan.AfterStep is { } step)
        {
            await using var db = database.Open();
            while (true)
            {
                var operation = await db
                    .Operations.IgnoreQueryFilters()
                    .AsNoTracking()
                    .SingleAsync(o => o.Id == operationId, ct);
                if (operation.IsFinished || operation.Steps.Any(s => s.Name == step))
                    break;
                if (since.Elapsed > TimeSpan.FromSeconds(60))
                    Assert.Fail(
                        $"Trial {plan.Trial}: step '{step}' did not begin within 60 s; the operation is "
                            + $"{Describe(operation)}\n{portal.Process.Tail(40)}"
                    );
                await Task.Delay(20, ct);
            }
        }
        await Task.Delay(plan.ExtraMs, ct);
        var pid = portal.Process.Id;
        portal.Process.Kill();
        Assert.False(Process.GetProcesses().Any(p => p.Id == pid), "The portal outlived SIGKILL.");
        return since.Elapsed;
    }

    /// <summary>Where the kill left the operation, as its journal says.</summary>
    private static async Task<string> MomentAsync(PortalDatabase database, Guid operationId, CancellationToken ct)
    {
        await using var db = database.Open();
        return Describe(
            await db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == operationId, ct)
        );
    }

    private static string Describe(Operation operation) =>
        operation.State switch
        {
            OperationState.Queued => "queued",
            OperationState.Running when operation.Steps.Count == 0 => "claimed, no step yet",
            OperationState.Running when operation.Steps[^1] is { Done: false } open => $"in '{open.Name}'",
            OperationState.Running => $"after '{operation.Steps[^1].Name}'",
            var ended => $"{ended} before the kill",
        };

    private static async Task<Operation> UntilEndedAsync(
        PortalDatabase database,
        Guid operationId,
        Portal portal,
        CancellationToken ct
    )
    {
        var waited = Stopwatch.StartNew();
        await using var db = database.Open();
        while (true)
        {
            var operation = await db
                .Operations.IgnoreQueryFilters()
                .AsNoTracking()
                .SingleAsync(o => o.Id == operationId, ct);
            if (operation.IsFinished)
                return operation;
            // Lapse of the claim (12 s) + a sweep + a rollout of at most 10 s, with room for a loaded machine.
            if (waited.Elapsed > TimeSpan.FromSeconds(90))
                Assert.Fail(
                    $"Operation {operation.Kind} of {operation.TargetId} is stuck: {Describe(operation)}, "
                        + $"{operation.Attempts} run(s)\n{portal.Process.Tail(60)}"
                );
            await Task.Delay(200, ct);
        }
    }

    /// <summary>What the trial's operation should have left, once, in the database and the cluster.</summary>
    private async Task CheckAsync(
        PortalDatabase database,
        Kubernetes cluster,
        World world,
        KillPlan plan,
        Operation ended,
        CancellationToken ct
    )
    {
        await using var db = database.Open();
        var succeeded = ended.State == OperationState.Succeeded;
        switch (plan.Kind)
        {
            case OperationKinds.EnvironmentCreate:
                await CheckEnvironmentAsync(db, cluster, world.Environments[^1], succeeded, ct);
                break;
            case OperationKinds.ApplicationDeploy:
                await CheckRevisionsAsync(db, world, ct);
                if (succeeded)
                    await CheckRolledOutAsync(db, cluster, ct);
                break;
            case OperationKinds.ApplicationScale:
                await CheckRevisionsAsync(db, world, ct);
                if (succeeded)
                    await CheckRolledOutAsync(db, cluster, ct);
                break;
            default:
                await CheckInstanceAsync(db, cluster, world.Instances[^1], succeeded, ct);
                break;
        }
        Assert.Equal(
            world.Started(plan.Kind),
            await db
                .Operations.IgnoreQueryFilters()
                .CountAsync(o => o.TenantId == world.TenantId && o.Kind == plan.Kind, ct)
        );
    }

    private static async Task CheckEnvironmentAsync(
        PortalDbContext db,
        Kubernetes cluster,
        string name,
        bool succeeded,
        CancellationToken ct
    )
    {
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .AsNoTracking()
            .SingleAsync(e => e.Name == name, ct);
        Assert.Equal(succeeded ? EnvironmentState.Ready : EnvironmentState.Failed, environment.State);
        if (!succeeded)
            return;
        var ns = await cluster.CoreV1.ReadNamespaceAsync(environment.Namespace, cancellationToken: ct);
        Assert.Equal(environment.Id.ToString(), ns.Metadata.Labels[Ownership.EnvironmentIdLabel]);
        Assert.Single(
            (await cluster.CoreV1.ListNamespacedResourceQuotaAsync(environment.Namespace, cancellationToken: ct)).Items
        );
        Assert.Single(
            (await cluster.CoreV1.ListNamespacedLimitRangeAsync(environment.Namespace, cancellationToken: ct)).Items
        );
        Assert.Single(
            (
                await cluster.NetworkingV1.ListNamespacedNetworkPolicyAsync(
                    environment.Namespace,
                    cancellationToken: ct
                )
            ).Items
        );
    }

    /// <summary>Revisions 1..n, one per accepted deploy: none lost, none made twice.</summary>
    private static async Task CheckRevisionsAsync(PortalDbContext db, World world, CancellationToken ct)
    {
        var numbers = await db
            .Revisions.IgnoreQueryFilters()
            .Where(r => r.TenantId == world.TenantId)
            .Select(r => r.Number)
            .OrderBy(n => n)
            .ToListAsync(ct);
        Assert.Equal(Enumerable.Range(1, world.Deploys), numbers);
    }

    /// <summary>
    /// One Deployment and one Service of the app; its pods, as many as its replicas, all of the revision deployed last,
    /// from one ReplicaSet only.
    /// </summary>
    private static async Task CheckRolledOutAsync(PortalDbContext db, Kubernetes cluster, CancellationToken ct)
    {
        var found = await (
            from d in db.AppDeployments.IgnoreQueryFilters()
            join e in db.Environments.IgnoreQueryFilters() on d.EnvironmentId equals e.Id
            where e.Name == ProcessWorld.Dev
            select new
            {
                e.Namespace,
                d.Revision,
                d.Replicas,
            }
        ).SingleAsync(ct);
        var (ns, revision, replicas) = (found.Namespace, found.Revision, found.Replicas);
        var deployments = (await cluster.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: ct)).Items;
        var deployment = Assert.Single(deployments);
        Assert.Equal(ProcessWorld.App, deployment.Metadata.Name);
        Assert.Equal(replicas, deployment.Spec.Replicas);
        Assert.Equal(
            revision.ToString(CultureInfo.InvariantCulture),
            deployment.Spec.Template.Metadata.Annotations[ApplicationManifests.RevisionAnnotation]
        );
        var services = (
            await cluster.CoreV1.ListNamespacedServiceAsync(
                ns,
                labelSelector: ApplicationManifests.Selector(ProcessWorld.App, ProcessWorld.Dev),
                cancellationToken: ct
            )
        ).Items;
        Assert.Equal([ProcessWorld.App], services.Select(s => s.Metadata.Name));
        // Pods of the old ReplicaSet may still be terminating when the rollout is called done.
        var wanted = revision.ToString(CultureInfo.InvariantCulture);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var pods = (
                await cluster.CoreV1.ListNamespacedPodAsync(
                    ns,
                    labelSelector: ApplicationManifests.Selector(ProcessWorld.App, ProcessWorld.Dev),
                    cancellationToken: ct
                )
            ).Items;
            var sets = (await cluster.AppsV1.ListNamespacedReplicaSetAsync(ns, cancellationToken: ct)).Items.Where(r =>
                Value(r.Metadata.Labels, ApplicationManifests.NameLabel) == ProcessWorld.App && r.Spec.Replicas > 0
            );
            if (
                pods.Count == replicas
                && pods.All(p => p.Status?.Phase == "Running" && RevisionOf(p) == wanted)
                && sets.Count() == 1
            )
                break;
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
                Assert.Fail(
                    $"Not {replicas} running pod(s) of revision {revision} only, from one ReplicaSet: "
                        + string.Join(", ", pods.Select(p => $"{p.Metadata.Name} r{RevisionOf(p)} {p.Status?.Phase}"))
                );
            await Task.Delay(200, ct);
        }
    }

    private static string? RevisionOf(V1Pod pod) =>
        Value(pod.Metadata.Annotations, ApplicationManifests.RevisionAnnotation);

    private static string? Value(IDictionary<string, string>? labels, string key) =>
        labels is not null && labels.TryGetValue(key, out var value) ? value : null;

    /// <summary>
    /// The instance's objects once each: its StatefulSet, client and headless Services and credentials; its pod
    /// running.
    /// </summary>
    private static async Task CheckInstanceAsync(
        PortalDbContext db,
        Kubernetes cluster,
        string name,
        bool succeeded,
        CancellationToken ct
    )
    {
        var instance = await db
            .MiddlewareInstances.IgnoreQueryFilters()
            .AsNoTracking()
            .SingleAsync(i => i.Name == name, ct);
        Assert.Equal(succeeded ? InstanceState.Ready : InstanceState.Failed, instance.State);
        if (!succeeded)
            return;
        var ns = await db
            .Environments.IgnoreQueryFilters()
            .Where(e => e.Id == instance.EnvironmentId)
            .Select(e => e.Namespace)
            .SingleAsync(ct);
        var selector = InstanceNames.Selector(name, ProcessWorld.Dev);
        var sets = (
            await cluster.AppsV1.ListNamespacedStatefulSetAsync(ns, labelSelector: selector, cancellationToken: ct)
        ).Items;
        Assert.Equal([name], sets.Select(s => s.Metadata.Name));
        var services = (
            await cluster.CoreV1.ListNamespacedServiceAsync(ns, labelSelector: selector, cancellationToken: ct)
        ).Items;
        Assert.Equal(
            new[] { InstanceNames.Service(name), InstanceNames.HeadlessService(name) }.Order(),
            services.Select(s => s.Metadata.Name).Order()
        );
        var secrets = (
            await cluster.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: selector, cancellationToken: ct)
        ).Items;
        Assert.Equal([InstanceNames.Secret(name)], secrets.Select(s => s.Metadata.Name));
        var pods = (
            await cluster.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: ct)
        ).Items;
        Assert.Equal(sets[0].Spec.Replicas ?? 1, pods.Count(p => p.Status?.Phase == "Running"));
    }

    /// <summary>
    /// After all trials: no operation left queued or running; the tenant's namespaces are its environments; the dev
    /// namespace holds the app's Deployment and the instances' StatefulSets, nothing of anyone else.
    /// </summary>
    private static async Task CheckNothingLostOrDoubledAsync(
        PortalDatabase database,
        Kubernetes cluster,
        World world,
        CancellationToken ct
    )
    {
        await using var db = database.Open();
        var open = await db
            .Operations.IgnoreQueryFilters()
            .Where(o => o.TenantId == world.TenantId && o.FinishedAt == null)
            .Select(o => o.Kind + " of " + o.TargetId)
            .ToListAsync(ct);
        Assert.Empty(open);
        Assert.Equal(
            world.Environments.Count + world.Instances.Count + world.Deploys + world.Scales,
            await db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == world.TenantId, ct)
        );
        Assert.Equal(
            world.Environments.Order(),
            (await db.Environments.IgnoreQueryFilters().Select(e => e.Name).ToListAsync(ct)).Order()
        );
        var namespaces = (
            await cluster.CoreV1.ListNamespaceAsync(
                labelSelector: $"{Ownership.TenantIdLabel}={world.TenantId}",
                cancellationToken: ct
            )
        ).Items.Select(n => n.Metadata.Name);
        Assert.Equal(
            (await db.Environments.IgnoreQueryFilters().Select(e => e.Namespace).ToListAsync(ct)).Order(),
            namespaces.Order()
        );
        var dev = ProcessWorld.DevNamespace;
        Assert.Equal(
            [ProcessWorld.App],
            (await cluster.AppsV1.ListNamespacedDeploymentAsync(dev, cancellationToken: ct)).Items.Select(d =>
                d.Metadata.Name
            )
        );
        Assert.Equal(
            world.Instances.Order(),
            (await cluster.AppsV1.ListNamespacedStatefulSetAsync(dev, cancellationToken: ct))
                .Items.Select(s => s.Metadata.Name)
                .Order()
        );
    }

    private void Note(string what) => output.WriteLine($"{_clock.Elapsed.TotalSeconds, 6:F1} s  {what}");

    /// <summary>The portal process and an API client of its platform admin, signed in as the CLI is.</summary>
    private sealed class Portal(PortalProcess process, HttpClient api) : IDisposable
    {
        public PortalProcess Process { get; } = process;
        public HttpClient Api { get; } = api;

        public static async Task<Portal> StartAsync(Dictionary<string, string> settings, CancellationToken ct)
        {
            var process = await PortalProcess.StartAsync(settings, null, ct);
            try
            {
                await process.SignInAsync(ct);
                return new Portal(process, await process.AdminApiAsync(ct));
            }
            catch
            {
                process.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Api.Dispose();
            Process.Dispose();
        }
    }
}
