using System.Text;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Quotas;
using Portal.SandboxCloud.Hosting;
using Portal.Web.Clouds;
using Portal.Web.Clusters;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Clouds;

/// <summary>
/// Hosts from a cloud, end to end through the real jobs: the embedded sandbox cloud's Alibaba account, a template, a
/// pool grown by two hosts whose instances boot, join the embedded sandbox cluster with their bootstrap token and are
/// labelled into the pool; then one decommissioned.
/// </summary>
public sealed class CloudHostLifecycleScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    [Fact]
    public async Task A_pool_grows_by_two_alibaba_hosts_that_join_ready_and_labelled_and_one_is_decommissioned()
    {
        var pool = await PoolAsync();
        var template = await TemplateAsync(pool, "sandbox-alibaba");
        var cloud = Cloud["Alibaba"];
        var before = cloud.Instances.Count;

        var grown = await InScopeAsync(s =>
            s.GetRequiredService<PoolGrowth>().GrowAsync(pool.Name, template, 2, default)
        );

        Assert.True(grown.Succeeded, grown.Problem?.Message);
        var hosts = grown.Value.Select(h => h.Id).ToList();
        await SandboxApps.EventuallyAsync(() => StatesAsync(hosts, CloudHostState.Ready), "both hosts Ready");
        var kube = Kube();
        foreach (var host in await HostsAsync(hosts))
        {
            var node = await kube.CoreV1.ReadNodeAsync(host.Name);
            Assert.Equal("blue", node.Metadata.Labels["team"]);
            Assert.Equal(pool.Name, node.Metadata.Labels["pool"]);
            Assert.Contains(node.Spec.Taints, t =>
                t.Key == "dedicated" && t.Value == "blue" && t.Effect == "NoSchedule"
            );
            Assert.Contains(node.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
            Assert.Equal($"alibaba://sandbox-1/{host.InstanceId}", node.Spec.ProviderID);
            Assert.NotNull(host.PrivateAddress);
            Assert.Null(host.SealedBootstrapToken);
        }
        Assert.Equal(before + 2, cloud.Instances.Count);
        var tokenIds = (await HostsAsync(hosts)).Select(h => $"bootstrap-token-{h.BootstrapTokenId}").ToList();
        var tokens = await kube.CoreV1.ListNamespacedSecretAsync("kube-system");
        Assert.DoesNotContain(tokens.Items, s => tokenIds.Contains(s.Metadata.Name));

        var decommissioned = await InScopeAsync(s =>
            s.GetRequiredService<PoolGrowth>().DecommissionAsync(hosts[0], default)
        );

        Assert.True(decommissioned.Succeeded, decommissioned.Problem?.Message);
        await SandboxApps.EventuallyAsync(
            () => StatesAsync([hosts[0]], CloudHostState.Decommissioned),
            "the host decommissioned"
        );
        var gone = (await HostsAsync([hosts[0]]))[0];
        Assert.Null(await FindNodeAsync(kube, gone.Name));
        Assert.Equal(EmulatedState.Terminated, cloud.Find(gone.InstanceId!)!.State);
        Assert.Equal(EmulatedState.Running, cloud.Find((await HostsAsync([hosts[1]]))[0].InstanceId!)!.State);
        var audited = await Arrange.AuditCountAsync(CloudAuditActions.HostDecommissioned);
        Assert.True(audited >= 1);
    }

    [Fact]
    public async Task A_template_naming_what_the_provider_does_not_offer_is_refused_at_the_field_and_nothing_is_saved()
    {
        var pool = await PoolAsync();

        var refused = await InScopeAsync(s =>
            s.GetRequiredService<HostTemplates>()
                .CreateAsync(
                    pool.Name,
                    "sandbox-alibaba",
                    Spec("odd", zone: "sandbox-1z", type: "huge.96c768g"),
                    default
                )
        );

        Assert.False(refused.Succeeded);
        Assert.Contains(refused.Problem!.Causes, c => c.Field == "InstanceType" && c.Message.Contains("huge.96c768g"));
        Assert.Contains(refused.Problem!.Causes, c => c.Field == "Zone" && c.Message.Contains("sandbox-1z"));
        Assert.Equal(0, await Arrange.QueryAsync(db => db.HostTemplates.CountAsync(t => t.Name == "odd")));
    }

    [Fact]
    public async Task Growing_past_the_pools_maximum_or_the_providers_quota_is_refused_with_the_numbers_and_starts_nothing()
    {
        var pool = await PoolAsync();
        var template = await TemplateAsync(pool, "sandbox-aws");
        await InScopeAsync(async s =>
        {
            var db = s.GetRequiredService<PortalDbContext>();
            var found = await db.ResourcePools.FirstAsync(p => p.Id == pool.Id);
            found.LimitHosts(1);
            await db.SaveChangesAsync();
            return 0;
        });
        var instances = Cloud["Aws"].Instances.Count;

        var overMax = await InScopeAsync(s =>
            s.GetRequiredService<PoolGrowth>().GrowAsync(pool.Name, template, 2, default)
        );

        Assert.False(overMax.Succeeded);
        Assert.Contains("at most 1 hosts", overMax.Problem!.Message);
        Assert.Contains("2 more", overMax.Problem!.Message);

        await InScopeAsync(async s =>
        {
            var db = s.GetRequiredService<PortalDbContext>();
            (await db.ResourcePools.FirstAsync(p => p.Id == pool.Id)).LimitHosts(null);
            await db.SaveChangesAsync();
            return 0;
        });
        var limit = Cloud["Aws"].InstanceLimit;
        Cloud["Aws"].InstanceLimit = Cloud["Aws"].RunningCount + 1;
        try
        {
            var overQuota = await InScopeAsync(s =>
                s.GetRequiredService<PoolGrowth>().GrowAsync(pool.Name, template, 3, default)
            );

            Assert.False(overQuota.Succeeded);
            Assert.Contains("may start 1 more instance(s)", overQuota.Problem!.Message);
        }
        finally
        {
            Cloud["Aws"].InstanceLimit = limit;
        }
        Assert.Equal(instances, Cloud["Aws"].Instances.Count);
        Assert.Equal(0, await Arrange.QueryAsync(db => db.CloudHosts.CountAsync(h => h.PoolId == pool.Id)));
    }

    [Fact]
    public async Task A_failed_provisioning_says_which_step_failed_and_abandoning_it_leaves_no_instance()
    {
        var pool = await PoolAsync();
        var template = await TemplateAsync(pool, "sandbox-openstack");
        var cloud = Cloud["OpenStack"];
        var images = cloud.Images;
        // The image goes away between the template's check and the instance's creation.
        cloud.Images = images.Where(i => i.Key != "img-debian-12").ToDictionary();
        Guid hostId;
        try
        {
            var grown = await InScopeAsync(s =>
                s.GetRequiredService<PoolGrowth>().GrowAsync(pool.Name, template, 1, default)
            );
            Assert.True(grown.Succeeded, grown.Problem?.Message);
            hostId = grown.Value[0].Id;
            await SandboxApps.EventuallyAsync(
                () => StatesAsync([hostId], CloudHostState.Failed),
                "the provisioning failed"
            );
        }
        finally
        {
            cloud.Images = images;
        }
        var operation = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters()
                .FirstAsync(o => o.Id == db.CloudHosts.First(h => h.Id == hostId).OperationId)
        );
        Assert.Equal("create instance", operation.Steps.Last().Name);
        Assert.Contains("The provider refused the request", operation.Error);
        Assert.Contains("img-debian-12", operation.Error);

        var abandoned = await InScopeAsync(s => s.GetRequiredService<PoolGrowth>().AbandonAsync(hostId, default));

        Assert.True(abandoned.Succeeded, abandoned.Problem?.Message);
        await SandboxApps.EventuallyAsync(() => StatesAsync([hostId], CloudHostState.Abandoned), "the host abandoned");
        Assert.DoesNotContain(cloud.Instances, i =>
            i.Tags.TryGetValue("portal-host", out var tag)
            && tag == hostId.ToString("N")
            && i.State != EmulatedState.Terminated
        );
    }

    private Arrange Arrange => new(portal.Factory);

    private SandboxCloud.Hosting.SandboxCloud Cloud =>
        portal.Factory.Services.GetRequiredService<EmbeddedSandboxCloud>().Cloud!;

    private Kubernetes Kube()
    {
        var kubeconfig = portal.Factory.Services.GetRequiredService<EmbeddedSandbox>().Cluster!.Kubeconfig;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(kubeconfig));
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    private static async Task<k8s.Models.V1Node?> FindNodeAsync(Kubernetes kube, string name)
    {
        var nodes = await kube.CoreV1.ListNodeAsync(fieldSelector: $"metadata.name={name}");
        return nodes.Items.FirstOrDefault();
    }

    private async Task<T> InScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        return await work(scope.ServiceProvider);
    }

    private async Task<Domain.Quotas.ResourcePool> PoolAsync()
    {
        await SandboxApps.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.CloudAccounts.CountAsync()).ContinueWith(t => t.Result >= 5 ? "" : null),
            "the sandbox cloud's accounts"
        );
        var name = Arrange.Unique("cp");
        var created = await InScopeAsync(async s =>
        {
            var cluster = await s.GetRequiredService<PortalDbContext>().Clusters.FirstAsync(c => c.Name == "sandbox");
            return await s.GetRequiredService<PoolCatalog>()
                .CreateAsync(
                    new CreatePool(name, null, cluster.Name, $"pool={name}", "sandbox-1", 1m, 1m, false),
                    default
                );
        });
        Assert.True(created.Succeeded, created.Problem?.Message);
        return created.Value;
    }

    private async Task<string> TemplateAsync(Domain.Quotas.ResourcePool pool, string account)
    {
        var name = Arrange.Unique("t");
        var created = await InScopeAsync(s =>
            s.GetRequiredService<HostTemplates>().CreateAsync(pool.Name, account, Spec(name), default)
        );
        Assert.True(created.Succeeded, created.Problem?.Message);
        return name;
    }

    private static HostTemplateSpec Spec(string name, string zone = "sandbox-1a", string type = "small.2c4g") =>
        new(
            name,
            "sandbox-1",
            zone,
            type,
            "img-debian-12",
            40,
            null,
            null,
            null,
            null,
            "team=blue",
            "dedicated=blue:NoSchedule"
        );

    private async Task<string?> StatesAsync(IReadOnlyList<Guid> ids, CloudHostState state)
    {
        var states = await Arrange.QueryAsync(db =>
            db.CloudHosts.Where(h => ids.Contains(h.Id)).Select(h => h.State).ToListAsync()
        );
        return states.Count == ids.Count && states.All(s => s == state) ? "" : null;
    }

    private Task<List<CloudHost>> HostsAsync(IReadOnlyList<Guid> ids) =>
        Arrange.QueryAsync(db => db.CloudHosts.AsNoTracking().Where(h => ids.Contains(h.Id)).ToListAsync());
}
