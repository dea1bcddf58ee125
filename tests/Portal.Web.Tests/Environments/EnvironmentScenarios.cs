using System.Net;
using System.Text.RegularExpressions;
using k8s;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Environments;
using Portal.Web.Clusters;
using Portal.Web.Environments;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Environments;

/// <summary>Environments made in the embedded sandbox cluster by their operation's job.</summary>
public sealed class EnvironmentScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    [Fact]
    public async Task A_tenant_admin_creates_an_environment_and_its_namespace_quota_limits_and_policy_appear_in_the_cluster()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");

        var created = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            Share(pool, "prod", cpu: "2", cpuLimits: "3")
        );

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await SandboxWorld.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Environments.IgnoreQueryFilters()
                        .AnyAsync(e => e.TenantId == tenant.Id && e.State == EnvironmentState.Ready)
                ),
            "the environment to be ready"
        );
        using var cluster = World.Client();
        var ns = await cluster.CoreV1.ReadNamespaceAsync($"{tenant.Slug}-prod");
        var quota = await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns.Metadata.Name);
        var limits = await cluster.CoreV1.ReadNamespacedLimitRangeAsync("portal-defaults", ns.Metadata.Name);
        var policy = await cluster.NetworkingV1.ReadNamespacedNetworkPolicyAsync(
            "portal-tenant-isolation",
            ns.Metadata.Name
        );
        var environmentId = await Arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenant.Id && e.Name == "prod")
                .Select(e => e.Id)
                .SingleAsync()
        );
        Assert.Equal("portal", ns.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Equal(tenant.Id.ToString(), ns.Metadata.Labels["portal/tenant-id"]);
        Assert.Equal(environmentId.ToString(), ns.Metadata.Labels["portal/environment-id"]);
        Assert.Equal(tenant.Slug, ns.Metadata.Labels["portal/tenant"]);
        Assert.Equal("prod", ns.Metadata.Labels["portal/environment"]);
        Assert.Equal(2000, Domain.Common.Quantity.CpuMillis(quota.Spec.Hard["requests.cpu"].ToString()));
        Assert.Equal(3000, Domain.Common.Quantity.CpuMillis(quota.Spec.Hard["limits.cpu"].ToString()));
        Assert.NotEmpty(limits.Spec.Limits);
        // Traffic is admitted from the tenant's namespaces by its id: a later tenant with the same slug is not the same
        // tenant.
        var from = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty).NamespaceSelector.MatchLabels;
        Assert.Equal(new Dictionary<string, string> { ["portal/tenant-id"] = tenant.Id.ToString() }, from);
        Assert.Equal(tenant.Id.ToString(), policy.Metadata.Labels["portal/tenant-id"]);
        Assert.Equal(tenant.Id.ToString(), quota.Metadata.Labels["portal/tenant-id"]);
        var operations = await (await admin.GetAsync($"/t/{tenant.Slug}/operations")).Content.ReadAsStringAsync();
        Assert.Contains("Succeeded", operations);
        Assert.Contains("network-policy", operations);
    }

    [Fact]
    public async Task A_share_beyond_what_is_left_of_the_quota_is_refused_with_the_numbers_and_nothing_is_written()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "dev", cpu: "3", cpuLimits: "3"));

        var refused = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            Share(pool, "prod", cpu: "2", cpuLimits: "2")
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(
            "needs 2 CPU requests, 1 left of 4",
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync())
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.Environments.IgnoreQueryFilters().CountAsync(e => e.TenantId == tenant.Id)
            )
        );
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().CountAsync(o => o.TenantId == tenant.Id))
        );
    }

    [Fact]
    public async Task A_quota_cannot_be_reduced_below_what_the_environments_hold_and_the_split_is_shown()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "dev", cpu: "3", cpuLimits: "3"));
        var platformAdmin = await Arrange.AdminAsync();

        var reduced = await platformAdmin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            new()
            {
                ["Form.Tenant"] = tenant.Slug,
                ["Form.CpuRequests"] = "2",
                ["Form.CpuLimits"] = "4",
                ["Form.MemoryRequests"] = "8Gi",
                ["Form.MemoryLimits"] = "8Gi",
                ["Form.Storage"] = "100Gi",
                ["Form.Pods"] = "50",
                ["Form.MiddlewareInstances"] = "2",
            }
        );
        var quotas = await (await admin.GetAsync($"/t/{tenant.Slug}/quotas")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, reduced.StatusCode);
        Assert.Contains(
            "CPU requests: 2 asked, 3 held",
            WebUtility.HtmlDecode(await reduced.Content.ReadAsStringAsync())
        );
        Assert.Contains("aria-label=\"Allocated to environments: 3 of 4\"", quotas);
    }

    [Fact]
    public async Task The_job_finishes_an_operation_whose_namespace_an_earlier_run_already_made_and_a_rerun_changes_nothing()
    {
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var (operationId, environmentId) = await CreateWithoutJobAsync(tenant, pool, "qa");
        using var cluster = World.Client();
        // What an earlier run leaves when it dies between creating the namespace and recording the step.
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace
            {
                Metadata = new()
                {
                    Name = $"{tenant.Slug}-qa",
                    Labels = new Dictionary<string, string>
                    {
                        ["app.kubernetes.io/managed-by"] = "portal",
                        ["portal/tenant-id"] = tenant.Id.ToString(),
                        ["portal/environment-id"] = environmentId.ToString(),
                    },
                },
            }
        );

        await RunJobAsync(operationId, new DiesAfterStep(null));
        await RunJobAsync(operationId, new DiesAfterStep(null));

        var operation = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId)
        );
        Assert.Equal(OperationState.Succeeded, operation.State);
        Assert.Equal(1, operation.Attempts);
        Assert.Equal(
            tenant.Slug,
            (await cluster.CoreV1.ReadNamespaceAsync($"{tenant.Slug}-qa")).Metadata.Labels["portal/tenant"]
        );
    }

    /// <summary>
    /// The issue's confirmed attack, in general: an environment is handed a namespace that exists but is not its own.
    /// </summary>
    [Fact]
    public async Task A_namespace_that_already_exists_in_the_cluster_is_refused_at_creation_and_left_untouched()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-legacy";
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace
            {
                Metadata = new()
                {
                    Name = ns,
                    Labels = new Dictionary<string, string> { ["owner"] = "someone-else" },
                },
            }
        );

        var refused = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            Share(pool, "legacy", cpu: "1", cpuLimits: "1")
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(
            $"Namespace '{ns}' exists already in the cluster",
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync())
        );
        Assert.False(
            await Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AnyAsync(e => e.TenantId == tenant.Id))
        );
        Assert.False(
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().AnyAsync(o => o.TenantId == tenant.Id))
        );
        Assert.Equal(
            new Dictionary<string, string> { ["owner"] = "someone-else" },
            OwnLabels(await cluster.CoreV1.ReadNamespaceAsync(ns))
        );
    }

    /// <summary>
    /// A namespace that appears between the environment's admission and its job (made by hand, or by the cluster) is
    /// not the environment's: the job fails saying so and does not label it; deleting the environment leaves it and
    /// what runs in it.
    /// </summary>
    [Fact]
    public async Task A_namespace_made_by_someone_else_after_admission_is_neither_adopted_nor_deleted_with_the_environment()
    {
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var (operationId, _) = await CreateWithoutJobAsync(tenant, pool, "squat");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-squat";
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace
            {
                Metadata = new()
                {
                    Name = ns,
                    Labels = new Dictionary<string, string> { ["owner"] = "someone-else" },
                },
            }
        );
        await cluster.CoreV1.CreateNamespacedSecretAsync(
            new k8s.Models.V1Secret
            {
                Metadata = new() { Name = "their-secret" },
                StringData = new Dictionary<string, string> { ["key"] = "value" },
            },
            ns
        );

        await RunJobAsync(operationId, new DiesAfterStep(null));
        var failed = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId)
        );
        var deleteId = await DeleteWithoutJobAsync(tenant, "squat");
        await RunJobAsync(deleteId, new DiesAfterStep(null));

        Assert.Equal(OperationState.Failed, failed.State);
        Assert.Contains($"Namespace '{ns}' exists but was not made by the portal for this environment", failed.Error);
        Assert.Equal(
            new Dictionary<string, string> { ["owner"] = "someone-else" },
            OwnLabels(await cluster.CoreV1.ReadNamespaceAsync(ns))
        );
        Assert.Empty((await cluster.CoreV1.ListNamespacedResourceQuotaAsync(ns)).Items);
        Assert.NotNull(await cluster.CoreV1.ReadNamespacedSecretAsync("their-secret", ns));
        Assert.False(
            await Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AnyAsync(e => e.TenantId == tenant.Id))
        );
        Assert.Contains(
            $"namespace '{ns}' was left as it is",
            await Arrange.QueryAsync(db =>
                db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "environment.namespace-kept")
                    .Select(a => a.Summary)
                    .SingleAsync()
            )
        );
    }

    [Fact]
    public async Task Drift_repair_does_not_adopt_a_namespace_someone_else_put_in_place_of_the_environments()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "swap", cpu: "1");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-swap";
        await cluster.CoreV1.DeleteNamespaceAsync(ns);
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace
            {
                Metadata = new()
                {
                    Name = ns,
                    Labels = new Dictionary<string, string> { ["owner"] = "someone-else" },
                },
            }
        );

        await RepairDriftAsync();
        await RepairDriftAsync();

        Assert.Equal(
            new Dictionary<string, string> { ["owner"] = "someone-else" },
            OwnLabels(await cluster.CoreV1.ReadNamespaceAsync(ns))
        );
        Assert.Empty((await cluster.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns)).Items);
        Assert.True(await EnvironmentIs(tenant, EnvironmentState.Failed));
        var refusal = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "environment.drift-refused")
                .Select(a => a.Summary)
                .ToListAsync()
        );
        Assert.Contains("was not made by the portal for this environment", Assert.Single(refusal));
    }

    /// <summary>
    /// Namespaces made before the portal wrote ids carry only the slug and the environment's name. Such a namespace is
    /// the environment's when it was made after the environment was created: drift repair gives it the ids, and the
    /// policy the id selector.
    /// </summary>
    [Fact]
    public async Task Drift_repair_gives_ids_to_a_namespace_an_earlier_version_made_for_the_environment()
    {
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var environment = await InsertReadyEnvironmentAsync(tenant, pool, "older", DateTime.UtcNow.AddMinutes(-30));
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-older";
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace
            {
                Metadata = new() { Name = ns, Labels = LabelsByName(tenant, "older") },
            }
        );

        await RepairDriftAsync();

        var labels = (await cluster.CoreV1.ReadNamespaceAsync(ns)).Metadata.Labels;
        Assert.Equal(tenant.Id.ToString(), labels["portal/tenant-id"]);
        Assert.Equal(environment.Id.ToString(), labels["portal/environment-id"]);
        var policy = await cluster.NetworkingV1.ReadNamespacedNetworkPolicyAsync("portal-tenant-isolation", ns);
        Assert.Equal(
            tenant.Id.ToString(),
            policy.Spec.Ingress[0].FromProperty[0].NamespaceSelector.MatchLabels["portal/tenant-id"]
        );
        Assert.True(await EnvironmentIs(tenant, EnvironmentState.Ready));
    }

    /// <summary>
    /// The same labels on a namespace older than the environment: what a deleted tenant of the same slug left running,
    /// which an earlier version handed to the next tenant of that slug. It is not the environment's, whatever its
    /// labels say.
    /// </summary>
    [Fact]
    public async Task A_namespace_a_deleted_tenant_of_the_same_slug_left_behind_is_not_claimed_by_its_name_labels()
    {
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-inherited";
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace
            {
                Metadata = new() { Name = ns, Labels = LabelsByName(tenant, "inherited") },
            }
        );
        await InsertReadyEnvironmentAsync(tenant, pool, "inherited", DateTime.UtcNow.AddMinutes(30));

        await RepairDriftAsync();

        Assert.Equal(LabelsByName(tenant, "inherited"), OwnLabels(await cluster.CoreV1.ReadNamespaceAsync(ns)));
        Assert.Empty((await cluster.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns)).Items);
        Assert.True(await EnvironmentIs(tenant, EnvironmentState.Failed));
    }

    /// <summary>
    /// Two tenants' names can join into the same namespace ("a-bb" + "cc" and "a" + "bb-cc"): the second one is
    /// refused.
    /// </summary>
    [Fact]
    public async Task Two_tenants_whose_names_join_into_the_same_namespace_cannot_both_have_it()
    {
        var (first, firstAdmin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var second = await Arrange.TenantAsync($"{first.Slug}-bb");
        var secondAdmin = await World.GrantAsync(second, pool, cpu: "4");
        await World.ReadyEnvironmentAsync(first, firstAdmin, pool, "bb-cc", cpu: "1");

        var refused = await secondAdmin.PostFormAsync(
            $"/t/{second.Slug}/environments",
            Share(pool, "cc", cpu: "1", cpuLimits: "1")
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(
            $"Namespace '{first.Slug}-bb-cc' belongs to an environment of another tenant",
            WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync())
        );
        Assert.False(
            await Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AnyAsync(e => e.TenantId == second.Id))
        );
    }

    [Fact]
    public async Task Drift_repair_puts_back_a_quota_edited_and_a_policy_deleted_by_hand_and_audits_it()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "stage", cpu: "2", cpuLimits: "2"));
        await SandboxWorld.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Environments.IgnoreQueryFilters()
                        .AnyAsync(e => e.TenantId == tenant.Id && e.State == EnvironmentState.Ready)
                ),
            "the environment to be ready"
        );
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
        var audits = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "environment.drift-repaired")
                .Select(a => a.Summary)
                .ToListAsync()
        );
        var summary = Assert.Single(audits);
        Assert.Contains("ResourceQuota restored (requests.cpu)", summary);
        Assert.Contains("NetworkPolicy re-created", summary);
    }

    /// <summary>
    /// After one tenant deletes its environment, another tenant whose names join into the same namespace ("a" +
    /// "bb-cc", then "a-b" + "cc") takes it: the metric series of that namespace must start afresh, not hand over the
    /// first tenant's history.
    /// </summary>
    [Fact]
    public async Task A_namespace_name_taken_by_another_tenant_carries_none_of_the_previous_environments_metrics()
    {
        var (first, firstAdmin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(first, firstAdmin, pool, "bb-cc", cpu: "1");
        var ns = $"{first.Slug}-bb-cc";
        await SampleMetricsAsync();
        var subject = await Arrange.QueryAsync(db =>
            db.MetricSubjects.SingleAsync(m => m.Kind == Domain.Monitoring.SubjectKind.Namespace && m.Namespace == ns)
        );
        var longAgo = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() / 60 * 60;
        await Arrange.QueryAsync(async db =>
        {
            db.MetricSamples.Add(
                new Domain.Monitoring.RawSample
                {
                    SubjectId = subject.Id,
                    At = longAgo,
                    Cpu = 1234,
                }
            );
            return await db.SaveChangesAsync();
        });
        var deleted = await firstAdmin.PostFormAsync(
            $"/t/{first.Slug}/environments/bb-cc/delete",
            new() { ["confirmName"] = "bb-cc" }
        );
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AllAsync(e => e.TenantId != first.Id)),
            "the environment to be gone"
        );
        await SampleMetricsAsync();
        var second = await Arrange.TenantAsync($"{first.Slug}-bb");
        var secondAdmin = await World.GrantAsync(second, pool, cpu: "4");

        await World.ReadyEnvironmentAsync(second, secondAdmin, pool, "cc", cpu: "1");
        await SampleMetricsAsync();

        var now = await Arrange.QueryAsync(db =>
            db.MetricSubjects.SingleAsync(m => m.Kind == Domain.Monitoring.SubjectKind.Namespace && m.Namespace == ns)
        );
        Assert.Equal(second.Id, now.TenantId);
        Assert.False(
            await Arrange.QueryAsync(db => db.MetricSamples.AnyAsync(m => m.SubjectId == now.Id && m.At <= longAgo)),
            "the second tenant's namespace shows the first tenant's samples"
        );
    }

    [Fact]
    public async Task Changing_a_share_updates_the_resource_quota_and_deleting_removes_the_namespace()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "temp", cpu: "1", cpuLimits: "1"));
        await SandboxWorld.EventuallyAsync(
            () => EnvironmentIs(tenant, EnvironmentState.Ready),
            "the environment to be ready"
        );
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-temp";

        var tooMuch = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/temp/share", ShareOnly(cpu: "5"));
        var changed = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/temp/share", ShareOnly(cpu: "3"));
        await SandboxWorld.EventuallyAsync(
            async () =>
                Domain.Common.Quantity.CpuMillis(
                    (await cluster.CoreV1.ReadNamespacedResourceQuotaAsync("portal-quota", ns))
                        .Spec.Hard["requests.cpu"]
                        .ToString()
                ) == 3000,
            "the new quota in the cluster"
        );
        await SandboxWorld.EventuallyAsync(
            () => EnvironmentIs(tenant, EnvironmentState.Ready),
            "the environment to be ready again"
        );
        await cluster.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", replicas: 1, cpu: "100m"), ns);
        var confirmPage = await (
            await admin.GetAsync($"/t/{tenant.Slug}/environments/temp/delete")
        ).Content.ReadAsStringAsync();
        var unconfirmed = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments/temp/delete",
            new() { ["confirmName"] = "nope" }
        );
        var deleted = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments/temp/delete",
            new() { ["confirmName"] = "temp" }
        );

        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        Assert.Contains(
            "needs 5 CPU requests, 4 left of 4",
            WebUtility.HtmlDecode(await tooMuch.Content.ReadAsStringAsync())
        );
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        Assert.Contains("Deployment</strong> web", confirmPage);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains(
            "Environment 'temp' still runs Deployment 'web'",
            WebUtility.HtmlDecode(await unconfirmed.Content.ReadAsStringAsync())
        );
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AllAsync(e => e.TenantId != tenant.Id)),
            "the environment to be gone"
        );
        await SandboxWorld.EventuallyAsync(
            async () =>
                (await cluster.CoreV1.ListNamespaceAsync(fieldSelector: $"metadata.name={ns}")).Items.Count == 0,
            "the namespace to be gone"
        );
    }

    [Fact]
    public async Task An_environment_where_nothing_runs_is_deleted_without_typing_its_name()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "empty", cpu: "1", cpuLimits: "1"));
        await SandboxWorld.EventuallyAsync(
            () => EnvironmentIs(tenant, EnvironmentState.Ready),
            "the environment to be ready"
        );

        var confirmPage = await (
            await admin.GetAsync($"/t/{tenant.Slug}/environments/empty/delete")
        ).Content.ReadAsStringAsync();
        var deleted = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/empty/delete", []);

        Assert.Contains("Nothing runs in it.", confirmPage);
        Assert.DoesNotContain("id=\"confirmName\"", confirmPage);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AllAsync(e => e.TenantId != tenant.Id)),
            "the environment to be gone"
        );
    }

    /// <summary>
    /// A namespace of thousands of workloads must not be read whole to confirm its deletion: the page names the first
    /// of each kind and says how many the cluster counts besides.
    /// </summary>
    [Fact]
    public async Task Deleting_an_environment_of_many_workloads_names_the_first_of_each_kind_and_counts_the_rest()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "many", cpu: "1", cpuLimits: "1"));
        await SandboxWorld.EventuallyAsync(
            () => EnvironmentIs(tenant, EnvironmentState.Ready),
            "the environment to be ready"
        );
        using var cluster = World.Client();
        var deployments = EnvironmentDeletion.NamedOfEachKind + 3;
        for (var i = 0; i < deployments; i++)
            await cluster.AppsV1.CreateNamespacedDeploymentAsync(
                Deployment($"web-{i:D2}", replicas: 0, cpu: "100m"),
                $"{tenant.Slug}-many"
            );

        var page = Regex.Replace(
            WebUtility.HtmlDecode(
                await (await admin.GetAsync($"/t/{tenant.Slug}/environments/many/delete")).Content.ReadAsStringAsync()
            ),
            @"\s+",
            " "
        );
        var unconfirmed = await admin.PostFormAsync($"/t/{tenant.Slug}/environments/many/delete", []);

        Assert.Contains($"It still runs {deployments} Deployments, counted in the cluster just now.", page);
        Assert.Contains($"Deployment</strong> web-{EnvironmentDeletion.NamedOfEachKind - 1:D2}", page);
        Assert.DoesNotContain($"web-{EnvironmentDeletion.NamedOfEachKind:D2}", page);
        Assert.Contains("and 3 more Deployments", page);
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Contains(
            $"({deployments} Deployments in all)",
            WebUtility.HtmlDecode(await unconfirmed.Content.ReadAsStringAsync())
        );
    }

    [Fact]
    public async Task The_quota_page_shows_what_workloads_request_and_use_in_each_environment()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await admin.PostFormAsync($"/t/{tenant.Slug}/environments", Share(pool, "work", cpu: "2", cpuLimits: "2"));
        await SandboxWorld.EventuallyAsync(
            () => EnvironmentIs(tenant, EnvironmentState.Ready),
            "the environment to be ready"
        );
        using var cluster = World.Client();
        var ns = $"{tenant.Slug}-work";

        await cluster.AppsV1.CreateNamespacedDeploymentAsync(Deployment("api", replicas: 3, cpu: "250m"), ns);
        await SandboxWorld.EventuallyAsync(
            () => Arrange.QueryAsync(db => db.NamespaceLoads.AnyAsync(l => l.Namespace == ns && l.Pods == 3)),
            "the watch to count 3 pods"
        );
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
            await scope
                .ServiceProvider.GetRequiredService<Infrastructure.Monitoring.MetricsSampler>()
                .SampleAsync(default);
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

    private static k8s.Models.V1Deployment Deployment(string name, int replicas, string cpu) =>
        new()
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
                                Name = name,
                                Image = "nginx:1.27",
                                Resources = new()
                                {
                                    Requests = new Dictionary<string, k8s.Models.ResourceQuantity>
                                    {
                                        ["cpu"] = new(cpu),
                                        ["memory"] = new("64Mi"),
                                    },
                                    Limits = new Dictionary<string, k8s.Models.ResourceQuantity>
                                    {
                                        ["cpu"] = new($"{Domain.Common.Quantity.CpuMillis(cpu) * 2}m"),
                                        ["memory"] = new("128Mi"),
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
        var (tenant, _, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var (operationId, _) = await CreateWithoutJobAsync(tenant, pool, "crashy");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RunJobAsync(operationId, new DiesAfterStep("namespace"))
        );
        var halfway = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId)
        );
        await RunJobAsync(operationId, new DiesAfterStep(null));
        var done = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == operationId)
        );

        Assert.Equal(OperationState.Running, halfway.State);
        Assert.True(halfway.HasDone("namespace"));
        Assert.Equal(OperationState.Succeeded, done.State);
        Assert.Equal(2, done.Attempts);
        Assert.Equal(
            halfway.Steps.Single(s => s.Name == "namespace").StartedAt,
            done.Steps.Single(s => s.Name == "namespace").StartedAt
        );
        Assert.Equal(
            ["namespace", "node-selector", "resource-quota", "limit-range", "network-policy"],
            done.Steps.Select(s => s.Name)
        );
    }

    private async Task RunJobAsync(Guid operationId, IOperationProgress progress)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await JobsByHand
            .Environments(scope.ServiceProvider, progress)
            .RunAsync(operationId, JobsByHand.Token(progress));
    }

    /// <summary>
    /// Creates the environment through its use case, without queueing the job: the test runs it by hand.
    /// </summary>
    private async Task<(Guid Operation, Guid Environment)> CreateWithoutJobAsync(
        Tenant tenant,
        string pool,
        string name
    )
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.ActingAs(Domain.Audit.Actor.System, tenant);
        var directory = ActivatorUtilities.CreateInstance<EnvironmentDirectory>(scope.ServiceProvider, new NoQueue());
        var created = await directory.CreateAsync(
            name,
            pool,
            new Domain.Quotas.ResourceAmounts(1000, 1000, 1L << 30, 1L << 30, 1L << 30, 5, 0),
            default
        );
        Assert.True(created.Succeeded, created.Problem?.Message);
        var environmentId = await Arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenant.Id && e.Name == name)
                .Select(e => e.Id)
                .SingleAsync()
        );
        return (created.Value.Id, environmentId);
    }

    private async Task<Guid> DeleteWithoutJobAsync(Tenant tenant, string name)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.ActingAs(Domain.Audit.Actor.System, tenant);
        var directory = ActivatorUtilities.CreateInstance<EnvironmentDirectory>(scope.ServiceProvider, new NoQueue());
        var deleted = await directory.DeleteAsync(name, name, default);
        Assert.True(deleted.Succeeded, deleted.Problem?.Message);
        return deleted.Value.Id;
    }

    /// <summary>The labels an earlier version of the portal put on an environment's namespace: names, no ids.</summary>
    private static Dictionary<string, string> LabelsByName(Tenant tenant, string environment) =>
        new()
        {
            ["app.kubernetes.io/managed-by"] = "portal",
            ["portal/tenant"] = tenant.Slug,
            ["portal/environment"] = environment,
        };

    /// <summary>
    /// An environment row as an earlier version left it, created at the given time, without its operation.
    /// </summary>
    private async Task<TenantEnvironment> InsertReadyEnvironmentAsync(
        Tenant tenant,
        string pool,
        string name,
        DateTime createdAt
    )
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Infrastructure.Persistence.PortalDbContext>();
        var poolId = await db.ResourcePools.Where(p => p.Name == pool).Select(p => p.Id).SingleAsync();
        var environment = TenantEnvironment
            .Create(
                tenant,
                poolId,
                name,
                new Domain.Quotas.ResourceAmounts(500, 500, 1L << 30, 1L << 30, 1L << 30, 5, 0),
                createdAt
            )
            .Value;
        environment.MarkReady();
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
        return environment;
    }

    /// <summary>A namespace's labels but those the cluster sets on every namespace.</summary>
    private static Dictionary<string, string> OwnLabels(k8s.Models.V1Namespace ns) =>
        (ns.Metadata.Labels ?? new Dictionary<string, string>())
            .Where(l => l.Key != "kubernetes.io/metadata.name")
            .ToDictionary();

    private Task<bool> EnvironmentIs(Tenant tenant, EnvironmentState state) =>
        Arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters().AnyAsync(e => e.TenantId == tenant.Id && e.State == state)
        );

    private static Dictionary<string, string> ShareOnly(string cpu) =>
        new()
        {
            ["Share.CpuRequests"] = cpu,
            ["Share.CpuLimits"] = cpu,
            ["Share.MemoryRequests"] = "1Gi",
            ["Share.MemoryLimits"] = "1Gi",
            ["Share.Storage"] = "10Gi",
            ["Share.Pods"] = "10",
        };

    private async Task SampleMetricsAsync()
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Infrastructure.Monitoring.MetricsSampler>().SampleAsync(default);
    }

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
        var create = await viewer.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            Share(pool, "x", cpu: "1", cpuLimits: "1")
        );

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
    }

    private static Dictionary<string, string> Share(string pool, string name, string cpu, string cpuLimits) =>
        new()
        {
            ["Name"] = name,
            ["Pool"] = pool,
            ["Share.CpuRequests"] = cpu,
            ["Share.CpuLimits"] = cpuLimits,
            ["Share.MemoryRequests"] = "1Gi",
            ["Share.MemoryLimits"] = "1Gi",
            ["Share.Storage"] = "10Gi",
            ["Share.Pods"] = "10",
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

        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            connection.InvokeAsync("Follow", theirs.Slug)
        );

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
        await platformAdmin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = EmbeddedSandboxOptions.ClusterName,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "1",
                ["Form.MemoryOvercommit"] = "1",
            }
        );
        var tenant = await Arrange.TenantAsync();
        var granted = await platformAdmin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            new()
            {
                ["Form.Tenant"] = tenant.Slug,
                ["Form.CpuRequests"] = "2",
                ["Form.CpuLimits"] = "2",
                ["Form.MemoryRequests"] = "2Gi",
                ["Form.MemoryLimits"] = "2Gi",
                ["Form.Storage"] = "10Gi",
                ["Form.Pods"] = "10",
                ["Form.MiddlewareInstances"] = "0",
            }
        );
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
        var created = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            new()
            {
                ["Name"] = "live",
                ["Pool"] = pool,
                ["Share.CpuRequests"] = "1",
                ["Share.CpuLimits"] = "1",
                ["Share.MemoryRequests"] = "1Gi",
                ["Share.MemoryLimits"] = "1Gi",
                ["Share.Storage"] = "1Gi",
                ["Share.Pods"] = "5",
            }
        );
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
