using System.Net;
using System.Text;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Environments;
using Microsoft.AspNetCore.SignalR.Client;
using Portal.Web.Clusters;
using Portal.Web.Environments;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests;

/// <summary>Environments made in the embedded sandbox cluster by their operation's job.</summary>
public sealed class EnvironmentScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    [Fact]
    public async Task A_tenant_admin_creates_an_environment_and_its_namespace_quota_limits_and_policy_appear_in_the_cluster()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");

        var created = await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "prod", cpu: "2", cpuLimits: "3"));

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters()
            .AnyAsync(e => e.TenantId == tenant.Id && e.State == EnvironmentState.Ready)), "the environment to be ready");
        using var cluster = World.Client();
        var ns = await cluster.CoreV1.ReadNamespaceAsync($"{tenant.Slug}-prod");
        var quota = await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns.Metadata.Name);
        var limits = await cluster.CoreV1.ReadNamespacedLimitRangeAsync("portal-defaults", ns.Metadata.Name);
        var policy = await cluster.NetworkingV1.ReadNamespacedNetworkPolicyAsync("portal-tenant-isolation", ns.Metadata.Name);
        Assert.Equal("portal", ns.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Equal(tenant.Slug, ns.Metadata.Labels["portal/tenant"]);
        Assert.Equal("prod", ns.Metadata.Labels["portal/environment"]);
        Assert.Equal(2000, Domain.Common.Quantity.CpuMillis(quota.Spec.Hard["requests.cpu"].ToString()));
        Assert.Equal(3000, Domain.Common.Quantity.CpuMillis(quota.Spec.Hard["limits.cpu"].ToString()));
        Assert.NotEmpty(limits.Spec.Limits);
        Assert.Equal(tenant.Slug, policy.Spec.Ingress[0].FromProperty[0].NamespaceSelector.MatchLabels["portal/tenant"]);
        var operations = await (await admin.GetAsync($"/t/{tenant.Slug}/operations")).Content.ReadAsStringAsync();
        Assert.Contains("Succeeded", operations);
        Assert.Contains("network-policy", operations);
    }

    [Fact]
    public async Task A_share_beyond_what_is_left_of_the_quota_is_refused_with_the_numbers_and_nothing_is_written()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "dev", cpu: "3", cpuLimits: "3"));

        var refused = await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "prod", cpu: "2", cpuLimits: "2"));

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("needs 2 CPU requests, 1 left of 4", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.Equal(1, await Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenant.Id)));
        Assert.Equal(1, await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id)));
    }

    [Fact]
    public async Task A_quota_cannot_be_reduced_below_what_the_environments_hold_and_the_split_is_shown()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "dev", cpu: "3", cpuLimits: "3"));
        var platformAdmin = await Arrange.AdminAsync();

        var reduced = await platformAdmin.PostFormAsync($"/admin/pools/{pool}/quotas", new()
        {
            ["Form.Tenant"] = tenant.Slug, ["Form.CpuRequests"] = "2", ["Form.CpuLimits"] = "4", ["Form.MemoryRequests"] = "8Gi",
            ["Form.MemoryLimits"] = "8Gi", ["Form.Storage"] = "100Gi", ["Form.Pods"] = "50", ["Form.MiddlewareInstances"] = "2",
        });
        var quotas = await (await admin.GetAsync($"/t/{tenant.Slug}/quotas")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, reduced.StatusCode);
        Assert.Contains("CPU requests: 2 asked, 3 held", WebUtility.HtmlDecode(await reduced.Content.ReadAsStringAsync()));
        Assert.Contains("aria-label=\"Allocated to environments: 3 of 4\"", quotas);
    }

    [Fact]
    public async Task The_job_finishes_an_operation_whose_namespace_an_earlier_run_already_made_and_a_rerun_changes_nothing()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        using var cluster = World.Client();
        await cluster.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new() { Name = $"{tenant.Slug}-qa" } });

        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "qa", cpu: "1", cpuLimits: "1"));
        var operationId = await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().Where(o => o.TenantId == tenant.Id).Select(o => o.Id).SingleAsync());
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().AnyAsync(o => o.Id == operationId && o.State == OperationState.Succeeded)), "the operation to succeed");
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<EnvironmentProvisioner>().RunAsync(operationId, default);

        var operation = await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId));
        Assert.Equal(OperationState.Succeeded, operation.State);
        Assert.Equal(1, operation.Attempts);
        Assert.Equal("portal", (await cluster.CoreV1.ReadNamespaceAsync($"{tenant.Slug}-qa")).Metadata.Labels["app.kubernetes.io/managed-by"]);
    }

    [Fact]
    public async Task Drift_repair_puts_back_a_quota_edited_and_a_policy_deleted_by_hand_and_audits_it()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "stage", cpu: "2", cpuLimits: "2"));
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters()
            .AnyAsync(e => e.TenantId == tenant.Id && e.State == EnvironmentState.Ready)), "the environment to be ready");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-stage";
        var quota = await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns);
        quota.Spec.Hard["requests.cpu"] = new k8s.Models.ResourceQuantity("100");
        await cluster.CoreV1.ReplaceNamespacedResourceQuotaAsync(quota, "portal-quota", ns);
        await cluster.NetworkingV1.DeleteNamespacedNetworkPolicyAsync("portal-tenant-isolation", ns);

        await RepairDriftAsync();
        await RepairDriftAsync();

        var repaired = await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns);
        Assert.Equal(2000, Domain.Common.Quantity.CpuMillis(repaired.Spec.Hard["requests.cpu"].ToString()));
        Assert.NotNull(await cluster.NetworkingV1.ReadNamespacedNetworkPolicyAsync("portal-tenant-isolation", ns));
        var audits = await Arrange.QueryAsync(db => db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "environment.drift-repaired")
            .Select(a => a.Summary).ToListAsync());
        var summary = Assert.Single(audits);
        Assert.Contains("ResourceQuota restored (requests.cpu)", summary);
        Assert.Contains("NetworkPolicy re-created", summary);
    }

    [Fact]
    public async Task Changing_a_share_updates_the_resource_quota_and_deleting_removes_the_namespace()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "temp", cpu: "1", cpuLimits: "1"));
        await SandboxWorld.EventuallyAsync(() => EnvironmentIs(tenant, EnvironmentState.Ready), "the environment to be ready");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-temp";

        var tooMuch = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/temp/share", ShareOnly(cpu: "5"));
        var changed = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/temp/share", ShareOnly(cpu: "3"));
        await SandboxWorld.EventuallyAsync(async () => Domain.Common.Quantity.CpuMillis(
            (await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns)).Spec.Hard["requests.cpu"].ToString()) == 3000, "the new quota in the cluster");
        await SandboxWorld.EventuallyAsync(() => EnvironmentIs(tenant, EnvironmentState.Ready), "the environment to be ready again");
        await cluster.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", replicas: 1, cpu: "100m"), ns);
        var confirmPage = await (await admin.GetAsync($"/t/{tenant.Slug}/environments/temp/delete")).Content.ReadAsStringAsync();
        var unconfirmed = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/temp/delete", new() { ["confirmName"] = "nope" });
        var deleted = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/temp/delete", new() { ["confirmName"] = "temp" });

        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Contains("needs 5 CPU requests, 4 left of 4", WebUtility.HtmlDecode(await tooMuch.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Contains("Deployment</strong> web", confirmPage);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains("Environment 'temp' still runs Deployment 'web'", WebUtility.HtmlDecode(await unconfirmed.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AllAsync(e => e.TenantId != tenant.Id)), "the environment to be gone");
        await SandboxWorld.EventuallyAsync(async () => (await cluster.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}")).Items.Count == 0, "the namespace to be gone");
    }

    [Fact]
    public async Task An_environment_where_nothing_runs_is_deleted_without_typing_its_name()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "empty", cpu: "1", cpuLimits: "1"));
        await SandboxWorld.EventuallyAsync(() => EnvironmentIs(tenant, EnvironmentState.Ready), "the environment to be ready");

        var confirmPage = await (await admin.GetAsync($"/t/{tenant.Slug}/environments/empty/delete")).Content.ReadAsStringAsync();
        var deleted = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/empty/delete", []);

        Assert.Contains("Nothing runs in it.", confirmPage);
        Assert.DoesNotContain("id=\"confirmName\"", confirmPage);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AllAsync(e => e.TenantId != tenant.Id)), "the environment to be gone");
    }

    [Fact]
    public async Task The_quota_page_shows_what_workloads_request_and_use_in_each_environment()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "work", cpu: "2", cpuLimits: "2"));
        await SandboxWorld.EventuallyAsync(() => EnvironmentIs(tenant, EnvironmentState.Ready), "the environment to be ready");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-work";

        await cluster.AppsV1.CreateNamespacedDeploymentAsync(Deployment("api", replicas: 3, cpu: "250m"), ns);
        await SandboxWorld.EventuallyAsync(() => Arrange.QueryAsync(db => db.NamespaceLoads.AnyAsync(l => l.Namespace == ns && l.Pods == 3)), "the watch to count 3 pods");
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<Infrastructure.Monitoring.MetricsSampler>().SampleAsync(default);
        var page = await (await admin.GetAsync($"/t/{tenant.Slug}/quotas")).Content.ReadAsStringAsync();
        var environmentsPage = await admin.GetAsync($"/t/{tenant.Slug}/environments");

        Assert.Contains("aria-label=\"Requested by workloads: 0.75 of 4\"", page);
        Assert.Contains("aria-label=\"Limits of workloads: 1.5 of 4\"", page);
        Assert.Contains("aria-label=\"Requested: 0.75 of 2\"", page);
        var load = await Arrange.QueryAsync(db => db.NamespaceLoads.SingleAsync(l => l.Namespace == ns));
        Assert.True(load.CpuUsageMillis > 0, "metrics give the namespace a CPU usage");
        Assert.Contains($"used now {Domain.Common.Quantity.FormatCpu(load.CpuUsageMillis!.Value)}", page);
        Assert.Contains("3 / 10", await environmentsPage.Content.ReadAsStringAsync());
    }

    private static k8s.Models.V1Deployment Deployment(string name, int replicas, string cpu) => new()
    {
        Metadata = new() { Name = name },
        Spec = new()
        {
            Replicas = replicas,
            Selector = new() { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new()
            {
                Metadata = new() { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new()
                {
                    Containers =
                    [
                        new()
                        {
                            Name = name, Image = "nginx:1.27",
                            Resources = new()
                            {
                                Requests = new Dictionary<string, k8s.Models.ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new("64Mi") },
                                Limits = new Dictionary<string, k8s.Models.ResourceQuantity>
                                {
                                    ["cpu"] = new($"{Domain.Common.Quantity.CpuMillis(cpu) * 2}m"), ["memory"] = new("128Mi"),
                                },
                            },
                        },
                    ],
                },
            },
        },
    };

    [Fact]
    public async Task A_job_killed_after_its_first_step_resumes_from_the_next_one()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            // The operation is created without the queue: this test runs its job by hand.
            var services = scope.ServiceProvider;
            services.GetRequiredService<Infrastructure.Tenancy.TenantScope>().Bind(tenant);
            var directory = new EnvironmentDirectory(services.GetRequiredService<Infrastructure.Persistence.PortalDbContext>(),
                services.GetRequiredService<Infrastructure.Audit.AuditTrail>(), TimeProvider.System, new NoQueue(),
                services.GetRequiredService<Domain.Clusters.IClusterGateway>());
            var created = await directory.CreateAsync(Domain.Audit.Actor.System, tenant, "crashy", pool,
                new Domain.Quotas.ResourceAmounts(1000, 1000, 1L << 30, 1L << 30, 1L << 30, 5, 0), default);
            Assert.True(created.Succeeded, created.Problem?.Message);
        }
        var operationId = await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().Where(o => o.TenantId == tenant.Id).Select(o => o.Id).SingleAsync());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunJobAsync(operationId, new DiesAfterStep("namespace")));
        var halfway = await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId));
        await RunJobAsync(operationId, new DiesAfterStep(null));
        var done = await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId));

        Assert.Equal(OperationState.Running, halfway.State);
        Assert.True(halfway.HasDone("namespace"));
        Assert.Equal(OperationState.Succeeded, done.State);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(halfway.Steps.Single(s => s.Name == "namespace").StartedAt, done.Steps.Single(s => s.Name == "namespace").StartedAt);
        Assert.Equal(["namespace", "node-selector", "resource-quota", "limit-range", "network-policy"], done.Steps.Select(s => s.Name));
    }

    private async Task RunJobAsync(Guid operationId, IOperationProgress progress)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        var job = new EnvironmentProvisioner(services.GetRequiredService<Infrastructure.Persistence.PortalDbContext>(),
            services.GetRequiredService<Infrastructure.Clusters.KubernetesClients>(), progress, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<EnvironmentProvisioner>.Instance);
        await job.RunAsync(operationId, default);
    }

    private Task<bool> EnvironmentIs(Tenant tenant, EnvironmentState state) =>
        Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AnyAsync(e => e.TenantId == tenant.Id && e.State == state));

    private static Dictionary<string, string> ShareOnly(string cpu) => new()
    {
        ["Share.CpuRequests"] = cpu, ["Share.CpuLimits"] = cpu, ["Share.MemoryRequests"] = "1Gi", ["Share.MemoryLimits"] = "1Gi",
        ["Share.Storage"] = "10Gi", ["Share.Pods"] = "10",
    };

    private async Task RepairDriftAsync()
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EnvironmentDriftRepair>().RunAsync(default);
    }

    [Fact]
    public async Task A_viewer_sees_environments_but_cannot_create_one()
    {
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var list = await viewer.GetAsync($"/t/{tenant.Slug}/environments");
        var create = await viewer.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "x", cpu: "1", cpuLimits: "1"));

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
    }

    private static Dictionary<string, string> Share(string pool, string name, string cpu, string cpuLimits) => new()
    {
        ["Name"] = name, ["Pool"] = pool, ["Share.CpuRequests"] = cpu, ["Share.CpuLimits"] = cpuLimits, ["Share.MemoryRequests"] = "1Gi",
        ["Share.MemoryLimits"] = "1Gi", ["Share.Storage"] = "10Gi", ["Share.Pods"] = "10",
    };
}

/// <summary>Operations pushed live over SignalR to the members of their tenant, and to nobody else.</summary>
public sealed class LiveOperationScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task A_member_following_another_tenant_is_refused()
    {
        var mine = await Arrange.TenantAsync();
        var theirs = await Arrange.TenantAsync();
        await using var connection = await ConnectAsync(await Arrange.ServiceAccountAsync(mine, TenantRole.Viewer));

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => connection.InvokeAsync("Follow", theirs.Slug));

        Assert.Contains("not a member", refused.Message);
    }

    [Fact]
    public async Task A_member_following_their_tenant_sees_an_environment_operation_advance_to_success()
    {
        var platformAdmin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await Arrange.QueryAsync(db => db.Hosts.AnyAsync()) && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        await platformAdmin.PostFormAsync("/admin/pools", new()
        {
            ["Form.Name"] = pool, ["Form.Cluster"] = EmbeddedSandboxOptions.ClusterName, ["Form.Region"] = "bj",
            ["Form.CpuOvercommit"] = "1", ["Form.MemoryOvercommit"] = "1",
        });
        var tenant = await Arrange.TenantAsync();
        var granted = await platformAdmin.PostFormAsync($"/admin/pools/{pool}/quotas", new()
        {
            ["Form.Tenant"] = tenant.Slug, ["Form.CpuRequests"] = "2", ["Form.CpuLimits"] = "2", ["Form.MemoryRequests"] = "2Gi",
            ["Form.MemoryLimits"] = "2Gi", ["Form.Storage"] = "10Gi", ["Form.Pods"] = "10", ["Form.MiddlewareInstances"] = "0",
        });
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        var states = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var succeeded = new TaskCompletionSource();
        await using var connection = await ConnectAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));
        connection.On<OperationUpdate>("operationChanged", update =>
        {
            states.Enqueue(update.State);
            if (update.State == "Succeeded")
                succeeded.TrySetResult();
        });
        await connection.InvokeAsync("Follow", tenant.Slug);

        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var created = await admin.PostFormAsync($"/t/{tenant.Slug}/environments", new()
        {
            ["Name"] = "live", ["Pool"] = pool, ["Share.CpuRequests"] = "1", ["Share.CpuLimits"] = "1", ["Share.MemoryRequests"] = "1Gi",
            ["Share.MemoryLimits"] = "1Gi", ["Share.Storage"] = "1Gi", ["Share.Pods"] = "5",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await succeeded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("Running", states);
        Assert.Equal("Succeeded", states.Last());
    }

    private async Task<HubConnection> ConnectAsync(TestServiceAccount account)
    {
        var token = await Arrange.TokenAsync(portal.Factory.CreateClient(), account.ClientId, account.Secret);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Factory.Server.BaseAddress, OperationsHub.Path), options =>
            {
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.HttpMessageHandlerFactory = _ => portal.Factory.Server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
