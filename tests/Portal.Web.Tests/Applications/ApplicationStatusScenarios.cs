using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Clusters;
using Portal.Web.Applications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// An application's live status and its pods' logs, against a real environment namespace of the embedded sandbox
/// cluster: the Deployment is rendered and applied as a deploy would, the application's rows are written directly.
/// </summary>
public sealed class ApplicationStatusScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };
    private Arrange Arrange => new(portal.Factory);
    private SandboxApps Apps => new(portal.Factory);

    [Fact]
    public async Task The_status_API_shows_each_environment_with_its_revision_ready_replicas_and_pods()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 2);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer));

        var status = await SandboxApps.EventuallyAsync(
            async () =>
            {
                var statuses = await api.GetFromJsonAsync<List<EnvironmentStatus>>(
                    $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/status",
                    Json
                );
                return statuses is [{ ReadyReplicas: 2 } one] ? one : null;
            },
            "two ready replicas in the status"
        );

        Assert.Equal("dev", status.Environment);
        Assert.Equal(deployed.Namespace, status.Namespace);
        Assert.Equal(1, status.Revision);
        Assert.Equal(2, status.DesiredReplicas);
        Assert.Equal(AppDeploymentState.Running, status.State);
        Assert.Equal(2, status.Pods.Count);
        Assert.All(status.Pods, pod =>
        {
            Assert.StartsWith($"{deployed.App}-", pod.Name);
            Assert.Equal("Running", pod.Phase);
            Assert.Equal(1, pod.Revision);
            Assert.Equal([deployed.App], pod.Containers);
            Assert.False(string.IsNullOrEmpty(pod.Node));
        });
    }

    [Fact]
    public async Task The_events_of_an_environment_are_those_of_the_applications_own_objects()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer));
        await Apps.PodsAsync(deployed, 1);

        var events = await SandboxApps.EventuallyAsync(
            async () =>
            {
                var found = await api.GetFromJsonAsync<List<ClusterEventView>>(
                    $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/events",
                    Json
                );
                return found is { Count: > 0 } ? found : null;
            },
            "events of the application"
        );
        var unknown = await api.GetAsync(
            $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/nowhere/events"
        );

        Assert.All(events, e => Assert.Contains($"/{deployed.App}", e.Object));
        Assert.Contains(events, e => e.Reason == "ScalingReplicaSet" && e.Object == $"Deployment/{deployed.App}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_crash_looping_application_shows_the_back_off_events_of_its_pods_as_they_repeat()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1, image: "registry.example.com/shop/crashloop:1.0");
        var viewer = await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer);
        var api = await Arrange.ApiClientAsync(viewer);
        await using var connection = await Apps.ConnectAsync(viewer);

        var first = await SandboxApps.EventuallyAsync(
            async () =>
            {
                var found = await api.GetFromJsonAsync<List<ClusterEventView>>(
                    $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/events",
                    Json
                );
                return found?.FirstOrDefault(e => e.Reason == "BackOff");
            },
            "a back-off event of the crash-looping pod"
        );
        var repeated = await SandboxApps.EventuallyAsync(
            async () =>
            {
                var found = await connection.InvokeAsync<List<ClusterEventView>>(
                    "Events",
                    deployed.Tenant.Slug,
                    deployed.App,
                    "dev"
                );
                return found.FirstOrDefault(e =>
                    e.Reason == "BackOff" && e.Object == first.Object && e.Count > first.Count
                );
            },
            "the back-off event to count the next restart"
        );
        var page = await (
            await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Viewer))
        ).Http.GetStringAsync($"/t/{deployed.Tenant.Slug}/apps/{deployed.App}");

        Assert.Equal("Warning", first.Type);
        Assert.StartsWith($"Pod/{deployed.App}-", first.Object);
        Assert.True(repeated.LastSeen > first.LastSeen, "The repeated back-off is seen later than the first.");
        Assert.Contains("Back-off restarting failed container", page);
    }

    [Fact]
    public async Task The_events_of_an_application_are_not_given_to_a_member_of_another_tenant()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var stranger = await Arrange.ServiceAccountAsync(await Arrange.TenantAsync(), TenantRole.TenantAdmin);
        await using var connection = await Apps.ConnectAsync(stranger);

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            connection.InvokeAsync<List<ClusterEventView>>("Events", deployed.Tenant.Slug, deployed.App, "dev")
        );

        Assert.Contains("not a member", refused.Message);
    }

    [Fact]
    public async Task A_follower_receives_the_new_status_when_the_deployment_scales()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        await Apps.PodsAsync(deployed, 1);
        var updates = new System.Collections.Concurrent.ConcurrentQueue<AppStatusUpdate>();
        var scaled = new TaskCompletionSource<EnvironmentStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var connection = await Apps.ConnectAsync(
            await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer)
        );
        connection.On<AppStatusUpdate>(ApplicationsHub.StatusChanged, update =>
        {
            updates.Enqueue(update);
            if (update.Status.ReadyReplicas == 3)
                scaled.TrySetResult(update.Status);
        });

        var initial = await connection.InvokeAsync<List<EnvironmentStatus>>(
            "Follow",
            deployed.Tenant.Slug,
            deployed.App
        );
        using var cluster = Apps.SandboxClient();
        await cluster.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch("{\"spec\":{\"replicas\":3}}", V1Patch.PatchType.MergePatch),
            deployed.App,
            deployed.Namespace
        );
        var status = await scaled.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("dev", Assert.Single(initial).Environment);
        Assert.Equal(3, status.Pods.Count(p => p.Ready));
        Assert.All(updates, u => Assert.Equal(deployed.App, u.App));
    }

    [Fact]
    public async Task A_batch_of_changed_workloads_reads_the_workloads_asked_not_every_pairing_of_their_namespaces_and_names()
    {
        var first = await Apps.DeployedAppAsync(replicas: 1);
        var second = await Apps.DeployedAppAsync(replicas: 2);
        // The first tenant also runs an application of the second's name: a pairing nobody asked for.
        var namesake = await Apps.DeployedBesideAsync(first, second.App, replicas: 1);
        await Apps.PodsAsync(first, 1);
        await Apps.PodsAsync(second, 2);
        await Apps.PodsAsync(namesake, 1);
        var clusterId = await Arrange.QueryAsync(db =>
            db.WorkloadPods.Where(p => p.Namespace == first.Namespace).Select(p => p.ClusterId).FirstAsync()
        );
        var asked = new[]
        {
            new AppWorkload(clusterId, first.Namespace, first.App),
            new AppWorkload(clusterId, second.Namespace, second.App),
            new AppWorkload(clusterId, second.Namespace, "deployed-nowhere"),
        };

        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var statuses = await scope
            .ServiceProvider.GetRequiredService<AppStatusReader>()
            .ForWorkloadsAsync(asked, default);

        Assert.Equal(asked[..2].ToHashSet(), statuses.Keys.ToHashSet());
        Assert.Equal(first.Namespace, statuses[asked[0]].Namespace);
        Assert.Single(statuses[asked[0]].Pods);
        Assert.Equal(second.Namespace, statuses[asked[1]].Namespace);
        Assert.Equal(2, statuses[asked[1]].Pods.Count);
        Assert.All(statuses[asked[1]].Pods, p => Assert.StartsWith(second.App + "-", p.Name));
    }

    [Fact]
    public async Task Following_an_application_of_another_tenant_is_refused()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var other = await Arrange.TenantAsync();
        await using var connection = await Apps.ConnectAsync(
            await Arrange.ServiceAccountAsync(other, TenantRole.TenantAdmin)
        );

        var foreignTenant = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            connection.InvokeAsync<List<EnvironmentStatus>>("Follow", deployed.Tenant.Slug, deployed.App)
        );
        var ownTenant = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            connection.InvokeAsync<List<EnvironmentStatus>>("Follow", other.Slug, deployed.App)
        );

        Assert.Contains("not a member", foreignTenant.Message);
        Assert.Contains("was not found", ownTenant.Message);
    }

    [Fact]
    public async Task The_last_lines_of_a_pod_log_download_as_a_text_file_for_a_viewer()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(deployed.Tenant, TenantRole.Viewer));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer));

        var download = await viewer.GetAsync(
            $"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/pods/{pod}/log?lines=5"
        );
        var text = await download.Content.ReadAsStringAsync();
        var fromApi = await api.GetAsync(
            $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/pods/{pod}/log?lines=1"
        );
        var page = await viewer.GetAsync(
            $"/t/{deployed.Tenant.Slug}/apps/{deployed.App}/logs?environment=dev&pod={pod}"
        );

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(
            $"{pod}.log",
            download.Content.Headers.ContentDisposition?.FileNameStar
                ?? download.Content.Headers.ContentDisposition?.FileName
        );
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 1, 5);
        Assert.Contains($"starting {deployed.App} (pod {pod})", lines[0]);
        Assert.Equal(HttpStatusCode.OK, fromApi.StatusCode);
        Assert.Single((await fromApi.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains($"data-pod=\"{pod}\"", html);
        Assert.Contains("/js/app-logs.js", html);
    }

    [Fact]
    public async Task The_previous_instance_of_a_container_that_never_restarted_is_refused_in_words()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer));

        var refused = await api.GetAsync(
            $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/pods/{pod}/log?previous=true"
        );

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("has no previous instance", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_log_of_a_pod_of_another_application_or_another_tenant_is_not_found()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var ownPod = (await Apps.PodsAsync(deployed, 1))[0];
        using var cluster = Apps.SandboxClient();
        var neighbour = Arrange.Unique("nb");
        await cluster.AppsV1.CreateNamespacedDeploymentAsync(
            (await Apps.RenderAsync(deployed.Tenant, neighbour, deployed.Namespace, replicas: 1)).Deployment,
            deployed.Namespace
        );
        var neighbourPod = await SandboxApps.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.WorkloadPods.Where(p => p.Namespace == deployed.Namespace && p.App == neighbour)
                        .Select(p => p.Name)
                        .FirstOrDefaultAsync()
                ),
            "the neighbour's pod"
        );
        var other = await Arrange.TenantAsync();
        var api = await Arrange.ApiClientAsync(
            await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Developer)
        );
        var otherApi = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(other, TenantRole.TenantAdmin));

        var otherApp = await api.GetAsync(
            $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/pods/{neighbourPod}/log"
        );
        var otherTenant = await otherApi.GetAsync(
            $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/pods/{ownPod}/log"
        );
        var otherTenantsOwnRoute = await otherApi.GetAsync(
            $"/api/v1/tenants/{other.Slug}/apps/{deployed.App}/environments/dev/pods/{ownPod}/log"
        );

        Assert.Equal(HttpStatusCode.NotFound, otherApp.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherTenant.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherTenantsOwnRoute.StatusCode);
        Assert.DoesNotContain("INFO", await otherTenantsOwnRoute.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Streaming_a_log_over_the_hub_yields_its_lines_until_the_caller_stops()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        await using var connection = await Apps.ConnectAsync(
            await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer)
        );
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var lines = new List<string>();
        await foreach (
            var line in connection.StreamAsync<string>(
                "StreamLog",
                deployed.Tenant.Slug,
                deployed.App,
                "dev",
                pod,
                null,
                false,
                stop.Token
            )
        )
        {
            lines.Add(line);
            if (lines.Count == 2)
                break;
        }
        var previous = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(async () =>
        {
            await foreach (
                var _ in connection.StreamAsync<string>(
                    "StreamLog",
                    deployed.Tenant.Slug,
                    deployed.App,
                    "dev",
                    pod,
                    null,
                    true,
                    stop.Token
                )
            ) { }
        });

        Assert.Contains($"starting {deployed.App} (pod {pod})", lines[0]);
        Assert.Contains("listening on :8080", lines[1]);
        Assert.Contains("has no previous instance", previous.Message);
        Assert.False(stop.IsCancellationRequested, "the stream did not yield two lines in time");
    }
}
