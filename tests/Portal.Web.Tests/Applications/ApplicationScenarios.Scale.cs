using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// What a deploy keeps of an environment: its replicas or its autoscaler, unless the deploy sets replicas.
/// </summary>
public abstract partial class ApplicationScenarios
{
    private string Apps(string slug) => $"/api/v1/tenants/{slug}/apps";

    private Task<HttpResponseMessage> ChangeSpecAsync(HttpClient api, string slug, object spec) =>
        api.PutAsJsonAsync(
            $"{Apps(slug)}/shop",
            new
            {
                description = "the shop",
                owner = "team-shop",
                spec,
            }
        );

    [SkippableFact]
    public async Task A_deploy_keeps_the_environments_current_scale()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/scale", new { replicas = 3 }));
        Assert.Equal(
            HttpStatusCode.OK,
            (await ChangeSpecAsync(api, slug, Spec(image: "nginx:1.28", replicas: 1, secret: ""))).StatusCode
        );

        var deployed = await RunAsync(
            await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { note = "1.28" })
        );

        Assert.Equal(OperationState.Succeeded, deployed.State);
        using var cluster = World.Client();
        var running = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev");
        Assert.Equal("nginx:1.28", running.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(3, running.Spec.Replicas);
        Assert.Equal(3, running.Status.ReadyReplicas);
        Assert.Equal(3, (await DeploymentAsync(tenant, "shop", "dev")).Replicas);
    }

    [SkippableFact]
    public async Task A_deploy_keeps_the_environments_autoscaler()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));
        await RunAsync(
            await api.PutAsJsonAsync(
                $"{Apps(slug)}/shop/environments/dev/autoscaling",
                new
                {
                    minReplicas = 2,
                    maxReplicas = 4,
                    cpuUtilizationPercent = 70,
                }
            )
        );
        await ChangeSpecAsync(api, slug, Spec(image: "nginx:1.28", replicas: 1, secret: ""));

        var deployed = await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));

        Assert.Equal(OperationState.Succeeded, deployed.State);
        using var cluster = World.Client();
        var hpa = await cluster.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("shop", $"{slug}-dev");
        Assert.Equal((2, 4), (hpa.Spec.MinReplicas!.Value, hpa.Spec.MaxReplicas));
        Assert.Equal(
            "nginx:1.28",
            (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev"))
                .Spec
                .Template
                .Spec
                .Containers[0]
                .Image
        );
        var deployment = await DeploymentAsync(tenant, "shop", "dev");
        Assert.Equal((4, 2), (deployment.CountedReplicas, deployment.Replicas));
    }

    [SkippableFact]
    public async Task A_deploy_that_sets_replicas_runs_that_many_and_is_refused_where_an_autoscaler_owns_them()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/scale", new { replicas = 3 }));

        var deployed = await RunAsync(
            await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { replicas = 2 })
        );
        await RunAsync(
            await api.PutAsJsonAsync(
                $"{Apps(slug)}/shop/environments/dev/autoscaling",
                new
                {
                    minReplicas = 2,
                    maxReplicas = 4,
                    cpuUtilizationPercent = 70,
                }
            )
        );
        var refused = await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { replicas = 5 });

        Assert.Equal(OperationState.Succeeded, deployed.State);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("An autoscaler owns the replica count in 'dev'", problem.GetProperty("detail").GetString());
        Assert.Equal(
            3,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
        using var cluster = World.Client();
        Assert.Equal(
            2,
            (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev")).Status.ReadyReplicas
        );
    }
}
