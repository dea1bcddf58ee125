using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Environments;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Quotas;

/// <summary>
/// Workloads confined to their pool's nodes in the embedded sandbox cluster: a pool dedicated to one node, whose taint
/// the portal applies, and a pool over the whole cluster beside it. One scenario per class: the node's taint is the
/// cluster's.
/// </summary>
public sealed class PoolPlacementScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private const string Hostname = "kubernetes.io/hostname";
    private const string DedicatedNode = "sandbox-node-01";

    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    [Fact]
    public async Task A_tenants_pods_run_only_on_its_pools_nodes_and_no_other_pool_reaches_a_dedicated_pools_nodes()
    {
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(async db => await db.Hosts.CountAsync() == 3),
            "the sandbox's three hosts"
        );
        var dedicated = await World.PoolAsync($"{Hostname}={DedicatedNode}", dedicated: true);
        var everything = await World.PoolAsync();
        var platformAdmin = await Arrange.AdminAsync();
        var tainted = await platformAdmin.PostFormAsync($"/admin/pools/{dedicated}/taint", new());
        Assert.Equal(HttpStatusCode.Redirect, tainted.StatusCode);
        using var cluster = World.Client();
        await SandboxWorld.EventuallyAsync(
            async () =>
                (await cluster.CoreV1.ReadNodeAsync(DedicatedNode)).Spec.Taints?.Any(t =>
                    t.Key == "portal/pool" && t.Value == dedicated && t.Effect == "NoSchedule"
                ) == true,
            "the dedicated node's taint"
        );

        var (gpu, gpuAdmin, _) = await World.TenantInPoolAsync(dedicated, cpu: "3", memory: "6Gi");
        await World.ReadyEnvironmentAsync(gpu, gpuAdmin, dedicated, "train", cpu: "3", memory: "6Gi");
        var (shop, shopAdmin, _) = await World.TenantInPoolAsync(everything, cpu: "3", memory: "6Gi");
        await World.ReadyEnvironmentAsync(shop, shopAdmin, everything, "prod", cpu: "3", memory: "6Gi");
        var gpuApi = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(gpu, TenantRole.Developer));
        var shopApi = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(shop, TenantRole.Developer));

        await DeployAsync(gpuApi, gpu.Slug, "train", "trainer", replicas: 3);
        await ProvisionRedisAsync(gpuApi, gpu.Slug, "train", "cache");
        await DeployAsync(shopApi, shop.Slug, "prod", "web", replicas: 6);
        await ProvisionRedisAsync(shopApi, shop.Slug, "prod", "cache");

        var gpuPods = (await cluster.CoreV1.ListNamespacedPodAsync($"{gpu.Slug}-train")).Items;
        var shopPods = (await cluster.CoreV1.ListNamespacedPodAsync($"{shop.Slug}-prod")).Items;
        Assert.Equal(4, gpuPods.Count);
        Assert.All(gpuPods, p => Assert.Equal(DedicatedNode, p.Spec.NodeName));
        Assert.Equal(7, shopPods.Count);
        Assert.All(shopPods, p => Assert.NotNull(p.Spec.NodeName));
        Assert.DoesNotContain(shopPods, p => p.Spec.NodeName == DedicatedNode);
        var gpuNamespace = await cluster.CoreV1.ReadNamespaceAsync($"{gpu.Slug}-train");
        Assert.Equal(
            $"{Hostname}={DedicatedNode}",
            gpuNamespace.Metadata.Annotations["scheduler.alpha.kubernetes.io/node-selector"]
        );
        var trainer = await cluster.AppsV1.ReadNamespacedDeploymentAsync("trainer", $"{gpu.Slug}-train");
        Assert.Equal(DedicatedNode, trainer.Spec.Template.Spec.NodeSelector[Hostname]);
        Assert.Contains(trainer.Spec.Template.Spec.Tolerations, t => t.Key == "portal/pool" && t.Value == dedicated);
        var redis = await cluster.AppsV1.ReadNamespacedStatefulSetAsync("cache", $"{gpu.Slug}-train");
        Assert.Equal(DedicatedNode, redis.Spec.Template.Spec.NodeSelector[Hostname]);
        Assert.Contains(redis.Spec.Template.Spec.Tolerations, t => t.Key == "portal/pool" && t.Value == dedicated);
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a =>
                    a.Action == "pool.nodes-tainted"
                    && a.TargetId == dedicated
                    && a.Outcome == Domain.Audit.AuditOutcome.Succeeded
                )
            )
        );
    }

    [Fact]
    public async Task A_namespace_node_selector_removed_by_hand_is_put_back_by_the_drift_repair()
    {
        var pool = await World.PoolAsync($"{Hostname}=sandbox-node-02");
        var (tenant, admin, _) = await World.TenantInPoolAsync(pool, cpu: "1", memory: "1Gi");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", cpu: "1", memory: "1Gi");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-dev";
        await cluster.CoreV1.PatchNamespaceAsync(
            new V1Patch(
                """{"metadata":{"annotations":{"scheduler.alpha.kubernetes.io/node-selector":null}}}""",
                V1Patch.PatchType.MergePatch
            ),
            ns
        );

        await using (var scope = portal.Factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<EnvironmentDriftRepair>().RunAsync(default);

        var repaired = await cluster.CoreV1.ReadNamespaceAsync(ns);
        Assert.Equal(
            $"{Hostname}=sandbox-node-02",
            repaired.Metadata.Annotations["scheduler.alpha.kubernetes.io/node-selector"]
        );
        Assert.Contains(
            "node selector restored",
            await Arrange.QueryAsync(db =>
                db.AuditEvents.Where(a => a.Action == "environment.drift-repaired" && a.TenantId == tenant.Id)
                    .Select(a => a.Summary)
                    .SingleAsync()
            )
        );
    }

    private async Task DeployAsync(HttpClient api, string slug, string environment, string app, int replicas)
    {
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = app,
                description = "confined",
                owner = "team",
                spec = new
                {
                    image = "nginx:1.27",
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 200,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 128L << 20,
                    },
                    replicas,
                },
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        await SucceedsAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/{app}/environments/{environment}/deploy", new { })
        );
    }

    private async Task ProvisionRedisAsync(HttpClient api, string slug, string environment, string name) =>
        await SucceedsAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/middleware/instances",
                new
                {
                    environment,
                    name,
                    template = "redis",
                    version = "7.2.7",
                    plan = "small",
                    parameters = new { },
                }
            )
        );

    private async Task SucceedsAsync(HttpResponseMessage accepted)
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
            40
        );
        Assert.True(operation!.State == OperationState.Succeeded, operation.Error);
    }
}
