using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Domain.Audit;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Audit;

/// <summary>
/// The audit trail says how each change ended: an operation's entry ends as its job did, and a change refused by a
/// quota, a pool's capacity or what is already held is recorded as denied, with the numbers; on each database provider,
/// over the embedded sandbox.
/// </summary>
public abstract class AuditOutcomeScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private static object AppSpec(string image, long cpuMillis = 100) =>
        new
        {
            image,
            replicas = 1,
            resources = new
            {
                cpuRequestMillis = cpuMillis,
                cpuLimitMillis = cpuMillis,
                memoryRequestBytes = 64L << 20,
                memoryLimitBytes = 64L << 20,
            },
        };

    private async Task<Operation> RunAsync(HttpResponseMessage accepted, int seconds = 40)
    {
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
        Operation? operation = null;
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                operation = await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id)
                );
                return operation.IsFinished;
            },
            "the operation to finish",
            seconds
        );
        return operation!;
    }

    private static async Task<JsonElement> AuditAsync(HttpClient api, string slug, string action, string targetId)
    {
        var page = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{slug}/audit?action={action}&targetId={targetId}"
        );
        return Assert.Single(page.GetProperty("items").EnumerateArray());
    }

    private Task<List<AuditEvent>> EventsAsync(Func<AuditEvent, bool> which) =>
        Arrange.QueryAsync(async db => (await db.AuditEvents.AsNoTracking().ToListAsync()).Where(which).ToList());

    [SkippableFact]
    public async Task A_deploys_audit_entry_ends_as_its_rollout_did_a_crash_loop_as_failed_with_the_reason()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "8");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "4");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var slug = tenant.Slug;
        foreach (
            var (app, image) in new[] { ("shop", "nginx:1.27"), ("crash", "registry.example.com/shop/crashloop:1.0") }
        )
        {
            var created = await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps",
                new
                {
                    name = app,
                    owner = "team",
                    spec = AppSpec(image),
                }
            );
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        var healthy = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { })
        );
        var crashing = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/crash/environments/dev/deploy", new { })
        );

        Assert.Equal(OperationState.Failed, crashing.State);
        var failed = await AuditAsync(api, slug, "application.deployed", "crash");
        Assert.Equal("Failed", failed.GetProperty("outcome").GetString());
        Assert.Contains("keeps crashing (CrashLoopBackOff", failed.GetProperty("reason").GetString());
        Assert.Contains(
            "revision 1 (deploy) of registry.example.com/shop/crashloop:1.0 to 'dev'",
            failed.GetProperty("summary").GetString()
        );
        Assert.Equal(crashing.Id, failed.GetProperty("operationId").GetGuid());
        Assert.NotEqual(JsonValueKind.Null, failed.GetProperty("completedAt").ValueKind);
        Assert.Equal(OperationState.Succeeded, healthy.State);
        var succeeded = await AuditAsync(api, slug, "application.deployed", "shop");
        Assert.Equal("Succeeded", succeeded.GetProperty("outcome").GetString());
        Assert.Equal(JsonValueKind.Null, succeeded.GetProperty("reason").ValueKind);
        // The environment's entry, too, ended when its namespace was made.
        Assert.Equal(
            "Succeeded",
            (await AuditAsync(api, slug, "environment.created", "dev")).GetProperty("outcome").GetString()
        );
    }

    [SkippableFact]
    public async Task An_operations_entry_is_pending_until_its_job_ends_even_when_its_failure_cannot_be_saved_the_usual_way()
    {
        var (tenant, _, _) = await World.TenantWithQuotaAsync(cpu: "4");
        var operation = new Operation(
            tenant.Id,
            "environment.update-quota",
            "environment",
            "deleted-since",
            "test",
            DateTime.UtcNow
        );
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
            db.Operations.Add(operation);
            scope
                .ServiceProvider.GetRequiredService<AuditTrail>()
                .RecordForOperation(
                    new Actor(null, "test", null),
                    tenant,
                    "environment.share-changed",
                    "environment",
                    "deleted-since",
                    "'a' → 'b'",
                    operation
                );
            await db.SaveChangesAsync();
        }
        var pending = (await EventsAsync(a => a.OperationId == operation.Id)).Single();

        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var runner = new OperationSupervisor(
                new ScopesThatCannotSaveFailures(scope.ServiceProvider.GetRequiredService<IServiceScopeFactory>()),
                Options.Create(new OperationOptions()),
                TimeProvider.System,
                NullLogger<OperationSupervisor>.Instance
            );
            await JobsByHand
                .Environments(scope.ServiceProvider, new DiesAfterStep(null), runner)
                .RunAsync(operation.Id, default);
        }

        Assert.Equal(AuditOutcome.Pending, pending.Outcome);
        var ended = (await EventsAsync(a => a.OperationId == operation.Id)).Single();
        Assert.Equal(AuditOutcome.Failed, ended.Outcome);
        Assert.Contains("'deleted-since' no longer exists", ended.Reason);
        Assert.Equal("'a' → 'b'", ended.Summary);
        Assert.NotNull(ended.CompletedAt);
    }

    [SkippableFact]
    public async Task A_grant_the_pool_cannot_promise_or_below_what_the_tenant_holds_is_recorded_as_denied_with_the_numbers()
    {
        var admin = await Arrange.AdminAsync();
        var platform = await Arrange.UserApiClientAsync(admin);
        var pool = await World.PoolAsync();
        var tenant = await Arrange.TenantAsync();
        var target = $"{pool}/{tenant.Slug}";
        var tenantAdmin = await World.GrantAsync(tenant, pool, cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, tenantAdmin, pool, "dev", "3");

        var beyondThePool = await platform.PutAsJsonAsync(
            $"/api/v1/pools/{pool}/quotas/{tenant.Slug}",
            Grant(cpu: "500")
        );
        var belowHeld = await platform.PutAsJsonAsync($"/api/v1/pools/{pool}/quotas/{tenant.Slug}", Grant(cpu: "2"));
        var typo = await platform.PutAsJsonAsync($"/api/v1/pools/{pool}/quotas/{tenant.Slug}", Grant(cpu: "lots"));

        Assert.Equal(HttpStatusCode.Conflict, beyondThePool.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, belowHeld.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        var denied = (
            await EventsAsync(a =>
                a.Action == "quota.changed" && a.TargetId == target && a.Outcome == AuditOutcome.Denied
            )
        )
            .OrderBy(a => a.Id)
            .ToList();
        Assert.Equal(2, denied.Count);
        Assert.Contains("cannot promise this quota: needs 500 CPU requests", denied[0].Reason);
        Assert.Contains("→ '500 CPU requests", denied[0].Summary);
        Assert.Contains("cannot go below what the tenant already holds", denied[1].Reason);
        Assert.Contains("CPU requests: 2 asked, 3 held", denied[1].Reason);
        Assert.Equal(PortalFactory.AdminEmail, denied[1].ActorName);
        Assert.Equal(3, await Arrange.QueryAsync(db => db.AuditEvents.CountAsync(a => a.TargetId == target)));
    }

    [SkippableFact]
    public async Task An_environment_a_share_and_a_deploy_refused_by_the_quota_are_recorded_as_denied_and_a_typo_is_not()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "1");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var slug = tenant.Slug;
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = "huge",
                owner = "team",
                spec = AppSpec("nginx:1.27", 2000),
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var environment = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/environments",
            new
            {
                name = "big",
                pool,
                share = Share("3500m"),
            }
        );
        var share = await api.PutAsJsonAsync($"/api/v1/tenants/{slug}/environments/dev/share", Share("5"));
        var deploy = await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/huge/environments/dev/deploy", new { });
        var typo = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/environments",
            new
            {
                name = "Not_A_Name",
                pool,
                share = Share("1"),
            }
        );

        Assert.Equal(HttpStatusCode.Forbidden, environment.StatusCode);
        Assert.False(share.IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deploy.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, typo.StatusCode);
        var refusedEnvironment = await AuditAsync(api, slug, "environment.created", "big");
        Assert.Equal("Denied", refusedEnvironment.GetProperty("outcome").GetString());
        Assert.Contains("needs 3.5 CPU requests, 3 left of 4", refusedEnvironment.GetProperty("reason").GetString());
        var refusedShare = (
            await EventsAsync(a => a.TenantId == tenant.Id && a.Action == "environment.share-changed")
        ).Single();
        Assert.Equal(AuditOutcome.Denied, refusedShare.Outcome);
        Assert.Contains("needs 5 CPU requests", refusedShare.Reason);
        var refusedDeploy = await AuditAsync(api, slug, "application.deployed", "huge");
        Assert.Equal("Denied", refusedDeploy.GetProperty("outcome").GetString());
        Assert.Contains("Over quota in environment 'dev'", refusedDeploy.GetProperty("reason").GetString());
        Assert.Contains("nginx:1.27 to 'dev'", refusedDeploy.GetProperty("summary").GetString());
        Assert.Equal(JsonValueKind.Null, refusedDeploy.GetProperty("operationId").ValueKind);
        Assert.Empty(await EventsAsync(a => a.TenantId == tenant.Id && a.TargetId == "Not_A_Name"));
        // Nothing of the refused deploy was saved with its entry.
        Assert.False(
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().AnyAsync(r => r.TenantId == tenant.Id))
        );
    }

    private static object Grant(string cpu) =>
        new
        {
            cpuRequests = cpu,
            cpuLimits = cpu,
            memoryRequests = "8Gi",
            memoryLimits = "8Gi",
            storage = "100Gi",
            pods = "50",
            middlewareInstances = "2",
        };

    private static object Share(string cpu) =>
        new
        {
            cpuRequests = cpu,
            cpuLimits = cpu,
            memoryRequests = "1Gi",
            memoryLimits = "1Gi",
            storage = "5Gi",
            pods = "10",
        };
}

[Trait("Database", "Sqlite")]
public sealed class AuditOutcomesOnSqlite(SandboxPortal portal)
    : AuditOutcomeScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class AuditOutcomesOnPostgres(PostgresSandboxPortal portal)
    : AuditOutcomeScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;
