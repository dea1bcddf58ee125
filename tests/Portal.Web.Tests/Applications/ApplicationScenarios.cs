using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// Applications deployed, changed, scaled and rolled back in the embedded sandbox cluster through the API, on each
/// database provider.
/// </summary>
public abstract partial class ApplicationScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    /// <summary>Hosts belong to one tenant: each test publishes its own, one per application.</summary>
    private readonly string _hosts = Guid.NewGuid().ToString("N")[..8];

    private string Host(string app) => $"{app}-{_hosts}.example.com";

    private object Spec(
        string image = "nginx:1.27",
        int replicas = 2,
        string cpu = "100m",
        object? autoscaling = null,
        string secret = "pa55-w0rd",
        string app = "shop"
    ) =>
        new
        {
            image,
            ports = new[]
            {
                new
                {
                    name = "http",
                    port = 8080,
                    protocol = "Tcp",
                },
            },
            environment = new object[]
            {
                new
                {
                    name = "MODE",
                    value = "test",
                    isSecret = false,
                },
                new
                {
                    name = "DB_PASSWORD",
                    value = secret,
                    isSecret = true,
                },
            },
            configFiles = new[]
            {
                new
                {
                    mountPath = "/etc/app",
                    fileName = "app.yaml",
                    content = "greeting: hello\n",
                },
            },
            resources = new
            {
                cpuRequestMillis = Domain.Common.Quantity.CpuMillis(cpu),
                cpuLimitMillis = Domain.Common.Quantity.CpuMillis(cpu) * 2,
                memoryRequestBytes = 64L << 20,
                memoryLimitBytes = 128L << 20,
            },
            replicas,
            readiness = new
            {
                kind = "Http",
                path = "/healthz",
                port = 8080,
            },
            exposure = new
            {
                servicePort = 80,
                targetPort = 8080,
                ingressHost = Host(app),
                ingressPath = "/",
            },
            autoscaling,
        };

    private async Task<(Tenant Tenant, HttpClient Api, string Slug)> WorldAsync(
        string cpu = "4",
        params string[] environments
    )
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "20");
        foreach (var environment in environments.Length == 0 ? ["dev"] : environments)
            await World.ReadyEnvironmentAsync(tenant, admin, pool, environment, cpu);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        return (tenant, api, tenant.Slug);
    }

    private static async Task CreateAsync(HttpClient api, string slug, string app, object spec)
    {
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = app,
                description = "the shop",
                owner = "team-shop",
                spec,
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

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

    private Task<AppDeployment> DeploymentAsync(Tenant tenant, string app, string environment) =>
        Arrange.QueryAsync(db =>
            (
                from d in db.AppDeployments.IgnoreQueryFilters()
                join a in db.Applications.IgnoreQueryFilters() on d.ApplicationId equals a.Id
                join e in db.Environments.IgnoreQueryFilters() on d.EnvironmentId equals e.Id
                where a.TenantId == tenant.Id && a.Name == app && e.Name == environment
                select d
            )
                .AsNoTracking()
                .SingleAsync()
        );

    [SkippableFact]
    public async Task A_deploy_applies_every_object_rolls_out_and_keeps_the_secret_out_of_the_spec()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec());

        var deployed = await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy",
                new { note = "first" }
            )
        );

        Assert.Equal(OperationState.Succeeded, deployed.State);
        Assert.Equal(
            ["config", "deployment", "service", "ingress", "autoscaler", "rollout"],
            deployed.Steps.Select(s => s.Name)
        );
        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", ns);
        Assert.Equal(2, deployment.Status.ReadyReplicas);
        Assert.Equal("1", deployment.Spec.Template.Metadata.Annotations[ApplicationManifests.RevisionAnnotation]);
        var password = deployment.Spec.Template.Spec.Containers[0].Env.Single(e => e.Name == "DB_PASSWORD");
        Assert.Null(password.Value);
        Assert.Equal("shop-env", password.ValueFrom.SecretKeyRef.Name);
        Assert.Equal(
            "pa55-w0rd",
            Encoding.UTF8.GetString(
                (await cluster.CoreV1.ReadNamespacedSecretAsync("shop-env", ns)).Data["DB_PASSWORD"]
            )
        );
        Assert.NotNull(await cluster.CoreV1.ReadNamespacedServiceAsync("shop", ns));
        Assert.Equal(
            Host("shop"),
            (await cluster.NetworkingV1.ReadNamespacedIngressAsync("shop", ns)).Spec.Rules[0].Host
        );
        Assert.Equal(AppDeploymentState.Running, (await DeploymentAsync(tenant, "shop", "dev")).State);
        var stored = await Arrange.QueryAsync(db =>
            db.Revisions.IgnoreQueryFilters()
                .Where(r => r.TenantId == tenant.Id)
                .Select(r => r.SealedSpec)
                .SingleAsync()
        );
        Assert.DoesNotContain("pa55-w0rd", stored);
        var shown = await api.GetStringAsync($"/api/v1/tenants/{slug}/apps/shop");
        Assert.DoesNotContain("pa55-w0rd", shown);
    }

    [SkippableFact]
    public async Task A_crash_looping_application_shows_the_back_off_events_of_its_pods_on_its_page()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(
            api,
            slug,
            "crash",
            Spec(image: "registry.example.com/shop/crashloop:1.0", replicas: 1, app: "crash")
        );
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var failed = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/crash/environments/dev/deploy", new { })
        );
        var events = await api.GetFromJsonAsync<List<ClusterEventView>>(
            $"/api/v1/tenants/{slug}/apps/crash/environments/dev/events"
        );
        var page = await viewer.Http.GetStringAsync($"/t/{slug}/apps/crash");

        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Contains(events!, e =>
            e is { Type: "Warning", Reason: "BackOff" } && e.Object.StartsWith("Pod/crash-", StringComparison.Ordinal)
        );
        Assert.Contains("Back-off restarting failed container", page);
        Assert.DoesNotContain("(0)</summary>", page.Replace(" ", "", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Each_failure_of_a_rollout_is_said_in_words()
    {
        var (tenant, api, slug) = await WorldAsync(cpu: "10");
        await CreateAsync(
            api,
            slug,
            "pull",
            Spec(image: "registry.example.com/shop/notfound:1.0", replicas: 1, app: "pull")
        );
        await CreateAsync(
            api,
            slug,
            "crash",
            Spec(image: "registry.example.com/shop/crashloop:1.0", replicas: 1, app: "crash")
        );
        await CreateAsync(api, slug, "huge", Spec(replicas: 1, cpu: "4500m", app: "huge"));

        var pull = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/pull/environments/dev/deploy", new { })
        );
        var crash = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/crash/environments/dev/deploy", new { })
        );
        var huge = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/huge/environments/dev/deploy", new { })
        );

        Assert.Equal(OperationState.Failed, pull.State);
        Assert.Contains("cannot be pulled", pull.Error);
        Assert.Contains("keeps crashing (CrashLoopBackOff", crash.Error);
        Assert.Contains("No node has room for the new pods", huge.Error);
        Assert.Contains("Insufficient cpu", huge.Error);
        var failed = await DeploymentAsync(tenant, "pull", "dev");
        Assert.Equal(AppDeploymentState.Failed, failed.State);
        Assert.Equal(pull.Error, failed.Reason);
    }

    [SkippableFact]
    public async Task The_cluster_quota_is_the_second_line_and_its_refusal_is_said()
    {
        var (tenant, api, slug) = await WorldAsync();
        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        var quota = await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns);
        quota.Spec.Hard["requests.cpu"] = new k8s.Models.ResourceQuantity("50m");
        await cluster.CoreV1.ReplaceNamespacedResourceQuotaAsync(quota, "portal-quota", ns);
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));

        var refused = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { })
        );

        Assert.Equal(OperationState.Failed, refused.State);
        Assert.Contains("The environment's ResourceQuota refused the new pods", refused.Error);
        Assert.Contains("exceeded quota", refused.Error);
    }

    [SkippableFact]
    public async Task Portal_admission_refuses_a_deploy_beyond_the_environment_share_with_the_numbers_and_writes_nothing()
    {
        var (tenant, api, slug) = await WorldAsync(cpu: "1");
        await CreateAsync(api, slug, "shop", Spec(replicas: 6, cpu: "250m"));

        var refused = await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { });

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains(
            "Over quota in environment 'dev': needs 1.5 CPU requests, 1 left of 1",
            await refused.Content.ReadAsStringAsync()
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AppDeployments.IgnoreQueryFilters().CountAsync(d => d.TenantId == tenant.Id)
            )
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().Where(a => a.TenantId == tenant.Id).SumAsync(a => a.LatestRevision)
            )
        );
    }

    [SkippableFact]
    public async Task Deploys_made_at_the_same_moment_cannot_overdraw_the_environment_share_together()
    {
        var (tenant, api, slug) = await WorldAsync(cpu: "1");
        var apps = Enumerable.Range(1, 8).Select(i => $"burst-{i}").ToList();
        foreach (var app in apps)
            await CreateAsync(api, slug, app, Spec(replicas: 1, cpu: "100m", app: app));

        var answers = await Task.WhenAll(
            apps.Select(app =>
                api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/{app}/environments/dev/deploy", new { })
            )
        );

        // Each takes 200m of CPU limits from a share of 1 CPU: five fit, whatever the order.
        Assert.Equal(5, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Forbidden));
        Assert.Equal(
            5,
            await Arrange.QueryAsync(db =>
                db.AppDeployments.IgnoreQueryFilters().CountAsync(d => d.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task An_invalid_spec_is_refused_field_by_field_and_nothing_is_written()
    {
        var (tenant, api, slug) = await WorldAsync();

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps",
            new
            {
                name = "Shop_1",
                owner = "team",
                spec = new
                {
                    image = "Nginx:Latest",
                    resources = new
                    {
                        cpuRequestMillis = 0,
                        cpuLimitMillis = 0,
                        memoryRequestBytes = 0,
                        memoryLimitBytes = 0,
                    },
                    replicas = 1,
                    ports = new[]
                    {
                        new
                        {
                            name = "http",
                            port = 70000,
                            protocol = "Tcp",
                        },
                    },
                },
            }
        );
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList();
        Assert.Contains("name", errors);
        Assert.Contains("spec.Image", errors);
        Assert.Contains("spec.Ports[0].Port", errors);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task A_new_image_makes_a_revision_the_diff_shows_it_and_rolling_back_deploys_the_earlier_spec_as_a_new_revision()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec());
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        // The secret is sent empty, as a form that never shows it back sends it: it keeps its value.
        var changed = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop",
            new
            {
                description = "the shop",
                owner = "team-shop",
                spec = Spec(image: "nginx:1.28", secret: ""),
            }
        );
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy",
                new { note = "1.28" }
            )
        );

        var diff = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{slug}/apps/shop/revisions/1/diff/2");
        var rolledBack = await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/rollback",
                new { revision = 1 }
            )
        );

        var change = Assert.Single(diff.GetProperty("changes").EnumerateArray());
        Assert.Equal("nginx:1.27", change.GetProperty("before").GetString());
        Assert.Equal("nginx:1.28", change.GetProperty("after").GetString());
        Assert.Equal(OperationState.Succeeded, rolledBack.State);
        using var cluster = World.Client();
        var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev");
        Assert.Equal("nginx:1.27", deployment.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal(
            "pa55-w0rd",
            Encoding.UTF8.GetString(
                (await cluster.CoreV1.ReadNamespacedSecretAsync("shop-env", $"{slug}-dev")).Data["DB_PASSWORD"]
            )
        );
        var revisions = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{slug}/apps/shop/revisions");
        Assert.Equal(3, revisions.GetArrayLength());
        Assert.Equal("rollback to revision 1", revisions[0].GetProperty("origin").GetString());
        Assert.Equal(3, (await DeploymentAsync(tenant, "shop", "dev")).Revision);
    }

    [SkippableFact]
    public async Task Scaling_stopping_starting_and_restarting_change_the_pods_and_not_the_revision()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        using var cluster = World.Client();
        var ns = $"{slug}-dev";

        var scaled = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/scale", new { replicas = 3 })
        );
        var readyAfterScale = (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", ns)).Status.ReadyReplicas;
        var stopped = await RunAsync(
            await api.PostAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/stop", null)
        );
        var stoppedState = await DeploymentAsync(tenant, "shop", "dev");
        var started = await RunAsync(
            await api.PostAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/start", null)
        );
        var restarted = await RunAsync(
            await api.PostAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/restart", null)
        );

        Assert.Equal(OperationState.Succeeded, scaled.State);
        Assert.Equal(3, readyAfterScale);
        Assert.Equal(OperationState.Succeeded, stopped.State);
        Assert.Equal(AppDeploymentState.Stopped, stoppedState.State);
        Assert.Equal(OperationState.Succeeded, started.State);
        Assert.Equal(OperationState.Succeeded, restarted.State);
        var deployment = await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", ns);
        Assert.Equal(3, deployment.Status.ReadyReplicas);
        Assert.True(deployment.Spec.Template.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/restartedAt"));
        var after = await DeploymentAsync(tenant, "shop", "dev");
        Assert.Equal((1, AppDeploymentState.Running, 3), (after.Revision, after.State, after.Replicas));
    }

    [SkippableFact]
    public async Task An_autoscaling_policy_becomes_a_horizontal_pod_autoscaler_and_quota_counts_its_ceiling()
    {
        var (tenant, api, slug) = await WorldAsync(cpu: "2");
        await CreateAsync(api, slug, "shop", Spec(replicas: 1, cpu: "250m"));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));

        var tooHigh = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop/environments/dev/autoscaling",
            new
            {
                minReplicas = 1,
                maxReplicas = 20,
                cpuUtilizationPercent = 70,
            }
        );
        var autoscaled = await RunAsync(
            await api.PutAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/autoscaling",
                new
                {
                    minReplicas = 2,
                    maxReplicas = 4,
                    cpuUtilizationPercent = 70,
                }
            )
        );

        Assert.Equal(HttpStatusCode.Forbidden, tooHigh.StatusCode);
        Assert.Contains("needs 5 CPU requests", await tooHigh.Content.ReadAsStringAsync());
        Assert.Equal(OperationState.Succeeded, autoscaled.State);
        using var cluster = World.Client();
        var hpa = await cluster.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("shop", $"{slug}-dev");
        Assert.Equal((2, 4), (hpa.Spec.MinReplicas!.Value, hpa.Spec.MaxReplicas));
        Assert.Equal(
            "autoscaling 2–4",
            (await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{slug}/apps/shop/revisions"))[0]
                .GetProperty("origin")
                .GetString()
        );
    }

    [SkippableFact]
    public async Task Promotion_shows_what_changes_then_copies_the_revision_running_in_dev_to_prod()
    {
        var (tenant, api, slug) = await WorldAsync("4", "dev", "prod");
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));

        var preview = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{slug}/apps/shop/promotion?from=dev&to=prod"
        );
        var promoted = await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/promotion",
                new
                {
                    from = "dev",
                    to = "prod",
                    note = "release",
                }
            )
        );

        Assert.Equal(1, preview.GetProperty("fromRevision").GetInt32());
        Assert.Equal(JsonValueKind.Null, preview.GetProperty("toRevision").ValueKind);
        Assert.Contains(preview.GetProperty("changes").EnumerateArray(), c =>
            c.GetProperty("field").GetString() == "Image"
        );
        Assert.DoesNotContain("pa55-w0rd", preview.GetRawText());
        Assert.Equal(OperationState.Succeeded, promoted.State);
        using var cluster = World.Client();
        Assert.Equal(
            "nginx:1.27",
            (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-prod"))
                .Spec
                .Template
                .Spec
                .Containers[0]
                .Image
        );
        var again = await api.GetFromJsonAsync<JsonElement>(
            $"/api/v1/tenants/{slug}/apps/shop/promotion?from=dev&to=prod"
        );
        Assert.Empty(again.GetProperty("changes").EnumerateArray());
    }

    [SkippableFact]
    public async Task A_failed_rollout_that_asked_for_it_rolls_back_to_the_previous_revision_by_itself()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        await api.PutAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop",
            new
            {
                description = "x",
                owner = "team-shop",
                spec = Spec(image: "nginx-notfound:9", replicas: 1, secret: ""),
            }
        );

        var failed = await RunAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy",
                new { rollBackOnFailure = true }
            )
        );
        await SandboxWorld.EventuallyAsync(
            async () =>
                (await DeploymentAsync(tenant, "shop", "dev")) is { Revision: 3, State: AppDeploymentState.Running },
            "the automatic rollback to run",
            40
        );

        Assert.Equal(OperationState.Failed, failed.State);
        var revisions = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{slug}/apps/shop/revisions");
        Assert.Equal("automatic rollback to revision 1", revisions[0].GetProperty("origin").GetString());
        using var cluster = World.Client();
        Assert.Equal(
            "nginx:1.27",
            (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev"))
                .Spec
                .Template
                .Spec
                .Containers[0]
                .Image
        );
    }

    [SkippableFact]
    public async Task A_rollback_after_a_concurrent_deploy_takes_a_new_revision_number()
    {
        var (tenant, api, slug) = await WorldAsync("4", "dev", "prod");
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        await api.PutAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop",
            new
            {
                description = "x",
                owner = "team-shop",
                spec = Spec(image: "nginx-notfound:9", replicas: 1, secret: ""),
            }
        );
        var operationId = await QueueDeployAsync(tenant, "shop", "dev", rollBackOnFailure: true);
        var deployToProdMeanwhile = new MeanwhileAtStep("rollout", async () =>
            Assert.Equal(
                HttpStatusCode.Accepted,
                (
                    await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/prod/deploy", new { })
                ).StatusCode
            )
        );

        await RunJobAsync(operationId, deployToProdMeanwhile);

        var failed = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == operationId)
        );
        Assert.Equal(OperationState.Failed, failed.State);
        await SandboxWorld.EventuallyAsync(
            async () =>
                (await DeploymentAsync(tenant, "shop", "dev")) is { Revision: 4, State: AppDeploymentState.Running },
            "the automatic rollback, as revision 4, to run",
            40
        );
        var revisions = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{slug}/apps/shop/revisions");
        Assert.Equal([4, 3, 2, 1], revisions.EnumerateArray().Select(r => r.GetProperty("number").GetInt32()));
        Assert.Equal("automatic rollback to revision 1", revisions[0].GetProperty("origin").GetString());
    }

    [SkippableFact]
    public async Task A_failed_rollout_whose_rollback_is_refused_leaves_the_operation_failed_with_both_reasons()
    {
        var (tenant, api, slug) = await WorldAsync("4");
        await CreateAsync(api, slug, "shop", Spec(replicas: 1, cpu: "1"));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        await api.PutAsJsonAsync(
            $"/api/v1/tenants/{slug}/apps/shop",
            new
            {
                description = "x",
                owner = "team-shop",
                spec = Spec(image: "nginx-notfound:9", replicas: 1, cpu: "100m", secret: ""),
            }
        );
        await CreateAsync(api, slug, "cart", Spec(replicas: 1, cpu: "1500m", app: "cart"));
        var operationId = await QueueDeployAsync(tenant, "shop", "dev", rollBackOnFailure: true);
        // While revision 2 (a tenth of the CPU) rolls out, another application is admitted into what revision 1 would
        // need again.
        var cartDeployedMeanwhile = new MeanwhileAtStep("rollout", async () =>
            Assert.Equal(
                HttpStatusCode.Accepted,
                (
                    await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/cart/environments/dev/deploy", new { })
                ).StatusCode
            )
        );

        await RunJobAsync(operationId, cartDeployedMeanwhile);

        var failed = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == operationId)
        );
        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Contains("cannot be pulled", failed.Error);
        Assert.Contains("automatic rollback to revision 1 was refused", failed.Error);
        Assert.Contains("Over quota in environment 'dev'", failed.Error);
        var revisions = await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{slug}/apps/shop/revisions");
        Assert.Equal(2, revisions.GetArrayLength());
        Assert.Equal(AppDeploymentState.Failed, (await DeploymentAsync(tenant, "shop", "dev")).State);
    }

    [SkippableFact]
    public async Task The_job_run_again_changes_nothing_and_a_job_killed_mid_deploy_resumes_from_the_next_step()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        var done = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { })
        );
        using var cluster = World.Client();
        var before = (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev"))
            .Metadata
            .ResourceVersion;
        await RunJobAsync(done.Id, new DiesAfterStep(null));
        var after = (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev"))
            .Metadata
            .ResourceVersion;
        Assert.Equal(before, after);
        Assert.Equal(
            1,
            (
                await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == done.Id))
            ).Attempts
        );

        Guid operationId;
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var services = scope.ServiceProvider;
            services.ActingAs(Domain.Audit.Actor.System, tenant);
            var changes = new ApplicationChanges(
                services.GetRequiredService<Domain.Audit.ICurrentActor>(),
                services.GetRequiredService<Infrastructure.Tenancy.ICurrentTenant>(),
                services.GetRequiredService<Infrastructure.Persistence.PortalDbContext>(),
                services.GetRequiredService<SpecVault>(),
                services.GetRequiredService<Infrastructure.Audit.AuditTrail>(),
                new NoQueue(),
                new AdmissionGate(),
                services.GetRequiredService<Infrastructure.Middleware.MiddlewareHoldings>(),
                services.GetRequiredService<IngressClaims>(),
                TimeProvider.System
            );
            var queued = await changes.ScaleAsync("shop", "dev", 2, default);
            Assert.True(queued.Succeeded, queued.Problem?.Message);
            operationId = queued.Value.Id;
        }
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RunJobAsync(operationId, new DiesAfterStep("autoscaler"))
        );
        var halfway = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId)
        );
        await RunJobAsync(operationId, new DiesAfterStep(null));
        var resumed = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId)
        );

        Assert.Equal(OperationState.Running, halfway.State);
        Assert.Equal(OperationState.Succeeded, resumed.State);
        Assert.Equal(2, resumed.Attempts);
        Assert.Equal(halfway.Steps[0].StartedAt, resumed.Steps[0].StartedAt);
        Assert.Equal(
            2,
            (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev")).Status.ReadyReplicas
        );
    }

    [SkippableFact]
    public async Task Deleting_an_application_removes_its_objects_from_every_environment_and_keeps_its_audit()
    {
        var (tenant, api, slug) = await WorldAsync("4", "dev", "prod");
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        await RunAsync(await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { }));
        await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/prod/deploy", new { })
        );

        var unconfirmed = await api.DeleteAsync($"/api/v1/tenants/{slug}/apps/shop");
        var deleted = await RunAsync(await api.DeleteAsync($"/api/v1/tenants/{slug}/apps/shop?confirm=shop"));

        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.True(deleted.State == OperationState.Succeeded, deleted.Error);
        using var cluster = World.Client();
        foreach (var ns in new[] { $"{slug}-dev", $"{slug}-prod" })
        {
            Assert.Empty((await cluster.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
            Assert.Empty((await cluster.CoreV1.ListNamespacedServiceAsync(ns)).Items);
            Assert.DoesNotContain((await cluster.CoreV1.ListNamespacedSecretAsync(ns)).Items, s =>
                s.Metadata.Name == "shop-env"
            );
        }
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/v1/tenants/{slug}/apps/shop")).StatusCode);
        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.TargetId == "shop")
                .Select(a => a.Action)
                .ToListAsync()
        );
        Assert.Contains("application.created", audit);
        Assert.Contains("application.deployed", audit);
        Assert.Contains("application.deleted", audit);
    }

    [SkippableFact]
    public async Task A_deploy_puts_nothing_into_a_namespace_of_the_same_name_that_someone_else_made()
    {
        var (_, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        using var cluster = World.Client();
        var ns = $"{slug}-dev";
        await World.ReplaceNamespaceBehindThePortalAsync(ns);

        var deployed = await RunAsync(
            await api.PostAsJsonAsync($"/api/v1/tenants/{slug}/apps/shop/environments/dev/deploy", new { })
        );

        Assert.Equal(OperationState.Failed, deployed.State);
        Assert.Contains($"Namespace '{ns}' exists but was not made by the portal for this environment", deployed.Error);
        Assert.Empty((await cluster.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
        Assert.Empty((await cluster.CoreV1.ListNamespacedSecretAsync(ns)).Items);
        Assert.Empty((await cluster.CoreV1.ListNamespacedConfigMapAsync(ns)).Items);
    }

    /// <summary>A deploy saved with its operation, as the API does, but with no job queued: the test runs it.</summary>
    private async Task<Guid> QueueDeployAsync(Tenant tenant, string app, string environment, bool rollBackOnFailure)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        services.ActingAs(Domain.Audit.Actor.System, tenant);
        var changes = new ApplicationChanges(
            services.GetRequiredService<Domain.Audit.ICurrentActor>(),
            services.GetRequiredService<Infrastructure.Tenancy.ICurrentTenant>(),
            services.GetRequiredService<Infrastructure.Persistence.PortalDbContext>(),
            services.GetRequiredService<SpecVault>(),
            services.GetRequiredService<Infrastructure.Audit.AuditTrail>(),
            new NoQueue(),
            services.GetRequiredService<AdmissionGate>(),
            services.GetRequiredService<Infrastructure.Middleware.MiddlewareHoldings>(),
            services.GetRequiredService<IngressClaims>(),
            TimeProvider.System
        );
        var queued = await changes.DeployAsync(
            new DeployApplication(app, environment, null, rollBackOnFailure, DeployScale.Keep),
            default
        );
        Assert.True(queued.Succeeded, queued.Problem?.Message);
        return queued.Value.Id;
    }

    private async Task RunJobAsync(Guid operationId, IOperationProgress progress)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await JobsByHand.Deployer(scope.ServiceProvider, progress).RunAsync(operationId, JobsByHand.Token(progress));
    }
}

[Trait("Database", "Sqlite")]
public sealed class ApplicationsOnSqlite(SandboxPortal portal)
    : ApplicationScenarios(portal),
        IClassFixture<SandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class ApplicationsOnPostgres(PostgresSandboxPortal portal)
    : ApplicationScenarios(portal),
        IClassFixture<PostgresSandboxPortal>;
