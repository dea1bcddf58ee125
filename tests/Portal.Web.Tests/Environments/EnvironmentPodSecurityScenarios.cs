using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Environments;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Environments;

/// <summary>
/// Every environment's namespace enforces the baseline Pod Security Standard (and warns and audits at restricted), so
/// the cluster itself refuses a privileged pod there, whoever creates it; drift repair keeps the labels.
/// </summary>
public sealed class EnvironmentPodSecurityScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private async Task<(Tenant Tenant, string Namespace)> EnvironmentAsync(string name)
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        var created = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            new()
            {
                ["Name"] = name,
                ["Pool"] = pool,
                ["Share.CpuRequests"] = "2",
                ["Share.CpuLimits"] = "2",
                ["Share.MemoryRequests"] = "1Gi",
                ["Share.MemoryLimits"] = "1Gi",
                ["Share.Storage"] = "10Gi",
                ["Share.Pods"] = "10",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await SandboxWorld.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Environments.IgnoreQueryFilters()
                        .AnyAsync(e => e.TenantId == tenant.Id && e.Name == name && e.State == EnvironmentState.Ready)
                ),
            "the environment to be ready"
        );
        return (tenant, $"{tenant.Slug}-{name}");
    }

    private static V1Pod Pod(string name, V1SecurityContext security) =>
        new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Image = "postgres:17.5",
                        SecurityContext = security,
                        Resources = new V1ResourceRequirements
                        {
                            Requests = new Dictionary<string, ResourceQuantity>
                            {
                                ["cpu"] = new("100m"),
                                ["memory"] = new("64Mi"),
                            },
                            Limits = new Dictionary<string, ResourceQuantity>
                            {
                                ["cpu"] = new("100m"),
                                ["memory"] = new("64Mi"),
                            },
                        },
                    },
                ],
            },
        };

    [Fact]
    public async Task A_privileged_pod_is_refused_in_an_environments_namespace_while_an_image_that_runs_as_root_is_admitted()
    {
        var (_, ns) = await EnvironmentAsync("prod");
        using var cluster = World.Client();

        var labels = (await cluster.CoreV1.ReadNamespaceAsync(ns)).Metadata.Labels;
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            cluster.CoreV1.CreateNamespacedPodAsync(Pod("escape", new V1SecurityContext { Privileged = true }), ns)
        );
        var root = await cluster.CoreV1.CreateNamespacedPodAsync(
            Pod("root", new V1SecurityContext { RunAsUser = 0 }),
            ns
        );

        Assert.Equal("baseline", labels["pod-security.kubernetes.io/enforce"]);
        Assert.Equal("restricted", labels["pod-security.kubernetes.io/warn"]);
        Assert.Equal("restricted", labels["pod-security.kubernetes.io/audit"]);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Contains(
            "pods \\\"escape\\\" is forbidden: violates PodSecurity "
                + "\\\"baseline:latest\\\": privileged (container \\\"app\\\" must not "
                + "set securityContext.privileged=true)",
            refused.Response.Content
        );
        Assert.Equal("root", root.Metadata.Name);
    }

    [Fact]
    public async Task Drift_repair_puts_back_pod_security_labels_removed_by_hand_and_audits_it()
    {
        var (tenant, ns) = await EnvironmentAsync("stage");
        using var cluster = World.Client();
        var edited = await cluster.CoreV1.ReadNamespaceAsync(ns);
        edited.Metadata.Labels.Remove("pod-security.kubernetes.io/enforce");
        edited.Metadata.Labels["pod-security.kubernetes.io/warn"] = "privileged";
        await cluster.CoreV1.ReplaceNamespaceAsync(edited, ns);

        await RepairDriftAsync();

        var labels = (await cluster.CoreV1.ReadNamespaceAsync(ns)).Metadata.Labels;
        Assert.All(NamespacePodSecurity.Labels, l => Assert.Equal(l.Value, labels[l.Key]));
        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "environment.drift-repaired")
                .Select(a => a.Summary)
                .SingleAsync()
        );
        Assert.Contains("namespace labels restored", audit);
        await Assert.ThrowsAsync<HttpOperationException>(() =>
            cluster.CoreV1.CreateNamespacedPodAsync(Pod("escape", new V1SecurityContext { Privileged = true }), ns)
        );
    }

    private async Task RepairDriftAsync()
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<EnvironmentDriftRepair>().RunAsync(default);
    }
}
