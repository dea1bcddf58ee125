using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// Rollouts followed without holding a job worker: each look at a rollout is a short job, the next one scheduled or
/// woken by the cluster's watch when the application's pods change, and the operation waits in between.
/// </summary>
public abstract class RolloutFollowingScenarios(PortalFixture portal)
{
    protected Arrange Arrange => new(portal.Factory);
    protected SandboxWorld World => new(portal.Factory);

    protected async Task<(Tenant Tenant, HttpClient Api)> WorldAsync(string cpu = "4", string pods = "20")
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", cpu, memory: "4Gi", pods: pods);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        return (tenant, api);
    }

    protected static async Task CreateAsync(HttpClient api, string slug, string app, string image = "nginx:1.27")
    {
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = app,
                description = "followed",
                owner = "team",
                spec = new
                {
                    image,
                    replicas = 1,
                    resources = new
                    {
                        cpuRequestMillis = 50,
                        cpuLimitMillis = 100,
                        memoryRequestBytes = 32L << 20,
                        memoryLimitBytes = 64L << 20,
                    },
                },
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    protected static async Task<Guid> DeployAsync(HttpClient api, string slug, string app)
    {
        var accepted = await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/{app}/environments/dev/deploy", new { });
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        return (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
    }

    protected Task<List<Operation>> OperationsAsync(IReadOnlyCollection<Guid> ids) =>
        Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().AsNoTracking().Where(o => ids.Contains(o.Id)).ToListAsync()
        );

    protected async Task<Operation> EndedAsync(Guid id, int seconds)
    {
        Operation? operation = null;
        await SandboxWorld.EventuallyAsync(
            async () => (operation = (await OperationsAsync([id])).Single()).IsFinished,
            $"operation {id} to end",
            seconds
        );
        return operation!;
    }

    /// <summary>Marks every node of the sandbox unschedulable, or schedulable again: new pods wait meanwhile.</summary>
    protected async Task CordonAsync(bool cordoned)
    {
        using var cluster = World.Client();
        var patch = new V1Patch(
            cordoned ? """{"spec":{"unschedulable":true}}""" : """{"spec":{"unschedulable":null}}""",
            V1Patch.PatchType.MergePatch
        );
        foreach (var node in (await cluster.CoreV1.ListNodeAsync()).Items)
            await cluster.CoreV1.PatchNodeAsync(patch, node.Metadata.Name);
    }
}

/// <summary>Two job workers; rollouts looked at every 2 s; pods that find no node are not a failure here.</summary>
public abstract class FewWorkersSandboxPortalOn : SandboxPortalOn
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Jobs:Workers"] = "2",
            ["Portal:Applications:RecheckEvery"] = "00:00:02",
            ["Portal:Applications:FailFastAfter"] = "00:10:00",
            ["Portal:Applications:RolloutTimeout"] = "00:01:30",
        };
}

public sealed class FewWorkersSandboxPortal : FewWorkersSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class FewWorkersPostgresSandboxPortal : FewWorkersSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>Rollouts on a job server of two workers.</summary>
public abstract class RolloutsOnFewWorkersScenarios(PortalFixture portal) : RolloutFollowingScenarios(portal)
{
    private readonly PortalFixture _portal = portal;

    [SkippableFact]
    public async Task Twenty_deploys_on_two_workers_all_wait_for_their_rollouts_at_once_then_all_finish_each_step_once()
    {
        var (tenant, api) = await WorldAsync(cpu: "4", pods: "30");
        var apps = Enumerable.Range(1, 20).Select(i => $"wide{i}").ToList();
        foreach (var app in apps)
            await CreateAsync(api, tenant.Slug, app);
        await CordonAsync(true);
        try
        {
            var ids = new List<Guid>();
            foreach (var app in apps)
                ids.Add(await DeployAsync(api, tenant.Slug, app));

            // Were a rollout followed in its job, two would hold both workers until the nodes come back.
            await SandboxWorld.EventuallyAsync(
                async () => (await OperationsAsync(ids)).All(o => o.IsWaiting),
                "all twenty deploys to wait for their rollouts at once",
                seconds: 90
            );
            await CordonAsync(false);
            await SandboxWorld.EventuallyAsync(
                async () => (await OperationsAsync(ids)).All(o => o.IsFinished),
                "all twenty deploys to end",
                seconds: 120
            );

            var ended = await OperationsAsync(ids);
            Assert.All(ended, o =>
            {
                Assert.Equal(OperationState.Succeeded, o.State);
                Assert.Equal(1, o.Attempts);
                Assert.Equal(o.Steps.Count, o.Steps.Select(s => s.Name).Distinct().Count());
                Assert.All(o.Steps, s => Assert.True(s.Done && s.Waiting is null, s.ToString()));
                Assert.Equal("rollout", o.Steps[^1].Name);
            });
        }
        finally
        {
            await CordonAsync(false);
        }
    }

    [SkippableFact]
    public async Task A_rollout_that_never_finishes_is_ended_by_its_timeout_once_and_never_swept_while_it_waits()
    {
        var (tenant, api) = await WorldAsync();
        await CreateAsync(api, tenant.Slug, "stuck");
        await CordonAsync(true);
        var swept = new List<Guid>();
        using var stop = new CancellationTokenSource();
        // A sweeper far quicker than the portal's: a rollout waited on is not taken for lost, however long it waits.
        var sweeping = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                swept.AddRange(await SweepAsync(TimeSpan.FromSeconds(2)));
                await Task.Delay(250, CancellationToken.None);
            }
        });
        try
        {
            var id = await DeployAsync(api, tenant.Slug, "stuck");
            await SandboxWorld.EventuallyAsync(
                async () => (await OperationsAsync([id])).Single() is { IsWaiting: true, ClaimedUntil: null },
                "the deploy to wait for its rollout with no job holding it",
                seconds: 60
            );

            var ended = await EndedAsync(id, seconds: 150);

            Assert.Equal(OperationState.Failed, ended.State);
            Assert.Contains("did not finish within 1.5 minutes: 0 of 1 replicas ready", ended.Error);
            Assert.Equal(1, ended.Attempts);
            Assert.DoesNotContain(id, swept);
        }
        finally
        {
            await stop.CancelAsync();
            await sweeping;
            await CordonAsync(false);
        }
    }

    private async Task<List<Guid>> SweepAsync(TimeSpan stalledAfter)
    {
        await using var scope = _portal.Factory.Services.CreateAsyncScope();
        var queue = new RecordingQueue(scope.ServiceProvider.GetRequiredService<IOperationQueue>());
        var sweeper = new OperationSweeper(
            scope.ServiceProvider.GetRequiredService<PortalDbContext>(),
            queue,
            Options.Create(new OperationOptions { QueuedFor = stalledAfter, StalledAfter = stalledAfter }),
            TimeProvider.System,
            NullLogger<OperationSweeper>.Instance
        );
        await sweeper.RunAsync(default);
        return queue.Ids;
    }

    /// <summary>Records what the sweeper queues again, and hands it on to the portal's queue.</summary>
    private sealed class RecordingQueue(IOperationQueue inner) : IOperationQueue
    {
        public List<Guid> Ids { get; } = [];

        public void Enqueue(Operation operation)
        {
            Ids.Add(operation.Id);
            inner.Enqueue(operation);
        }

        public bool Holds(string jobId) => inner.Holds(jobId);

        public void LookAgainAfter(Guid operationId, TimeSpan delay) => inner.LookAgainAfter(operationId, delay);

        public void Wake(Guid operationId) => inner.Wake(operationId);
    }
}

[Trait("Database", "Sqlite")]
public sealed class RolloutsOnFewWorkersOnSqlite(FewWorkersSandboxPortal portal)
    : RolloutsOnFewWorkersScenarios(portal),
        IClassFixture<FewWorkersSandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class RolloutsOnFewWorkersOnPostgres(FewWorkersPostgresSandboxPortal portal)
    : RolloutsOnFewWorkersScenarios(portal),
        IClassFixture<FewWorkersPostgresSandboxPortal>;

/// <summary>
/// Rollouts whose scheduled look comes only at their timeout: anything sooner is the cluster's watch waking them.
/// </summary>
public abstract class WokenRolloutsSandboxPortalOn : SandboxPortalOn
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Applications:RecheckEvery"] = "00:10:00",
            ["Portal:Applications:RolloutTimeout"] = "00:02:00",
        };
}

public sealed class WokenRolloutsSandboxPortal : WokenRolloutsSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

/// <summary>Rollouts that end between their scheduled looks, because the watch saw their pods change.</summary>
public abstract class WokenRolloutScenarios(PortalFixture portal) : RolloutFollowingScenarios(portal)
{
    [SkippableFact]
    public async Task A_crash_looping_rollout_is_failed_by_a_look_the_watch_woke_long_before_its_timeout()
    {
        var (tenant, api) = await WorldAsync();
        await CreateAsync(api, tenant.Slug, "crashy", image: "registry.example.com/shop/crashloop:1.0");

        var id = await DeployAsync(api, tenant.Slug, "crashy");
        var ended = await EndedAsync(id, seconds: 90);

        Assert.Equal(OperationState.Failed, ended.State);
        Assert.Contains("keeps crashing (CrashLoopBackOff", ended.Error);
        var rollout = ended.Steps.Single(s => s.Name == "rollout");
        Assert.True(
            ended.FinishedAt < rollout.StartedAt + TimeSpan.FromMinutes(2),
            "ended by its timeout's look, not by one the watch woke"
        );
        Assert.Equal(1, ended.Attempts);
    }
}

[Trait("Database", "Sqlite")]
public sealed class WokenRolloutsOnSqlite(WokenRolloutsSandboxPortal portal)
    : WokenRolloutScenarios(portal),
        IClassFixture<WokenRolloutsSandboxPortal>;
