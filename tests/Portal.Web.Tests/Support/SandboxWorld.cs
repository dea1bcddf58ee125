using System.Net;
using System.Text;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Web.Clusters;

namespace Portal.Web.Tests.Support;

/// <summary>
/// Tenants with quota and ready environments in the embedded sandbox cluster, and a client of that cluster.
/// </summary>
public sealed class SandboxWorld(PortalFactory factory)
{
    private Arrange Arrange => new(factory);

    /// <summary>
    /// A tenant with quota in a pool of its own over the sandbox's nodes, and a signed-in tenant admin.
    /// </summary>
    public async Task<(Tenant Tenant, BrowserSession Admin, string Pool)> TenantWithQuotaAsync(
        string cpu,
        string memory = "8Gi"
    ) => await TenantInPoolAsync(await PoolAsync(), cpu, memory);

    /// <summary>
    /// A pool over the sandbox's nodes, all of them or those the selector matches, dedicated to its workloads or not,
    /// whose environments publish ingress hosts under example.com.
    /// </summary>
    public async Task<string> PoolAsync(string nodeSelector = "", bool dedicated = false)
    {
        var platformAdmin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await EventuallyAsync(() => Arrange.QueryAsync(db => db.Hosts.AnyAsync()), "the sandbox's hosts");
        var created = await platformAdmin.PostFormAsync(
            "/admin/pools",
            new()
            {
                ["Form.Name"] = pool,
                ["Form.Cluster"] = EmbeddedSandboxOptions.ClusterName,
                ["Form.Region"] = "bj",
                ["Form.CpuOvercommit"] = "2",
                ["Form.MemoryOvercommit"] = "1",
                ["Form.NodeSelector"] = nodeSelector,
                ["Form.Dedicated"] = dedicated ? "true" : "false",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await IngressDomainsAsync(pool, "example.com");
        return pool;
    }

    /// <summary>Sets the domains the pool's environments publish hosts under, and whether wildcards.</summary>
    public async Task IngressDomainsAsync(string pool, string domains, bool wildcardHosts = false)
    {
        var platformAdmin = await Arrange.AdminAsync();
        var changed = await platformAdmin.PostFormAsync(
            $"/admin/pools/{pool}/ingress",
            new() { ["IngressDomains"] = domains, ["WildcardHosts"] = wildcardHosts ? "true" : "false" }
        );
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
    }

    /// <summary>A tenant with quota in the pool, and a signed-in tenant admin.</summary>
    public async Task<(Tenant Tenant, BrowserSession Admin, string Pool)> TenantInPoolAsync(
        string pool,
        string cpu,
        string memory = "8Gi",
        string pods = "50"
    )
    {
        var platformAdmin = await Arrange.AdminAsync();
        var tenant = await Arrange.TenantAsync();
        return (tenant, await GrantAsync(tenant, pool, cpu, memory, pods), pool);
    }

    /// <summary>Grants the tenant a quota in the pool and returns a signed-in tenant admin.</summary>
    public async Task<BrowserSession> GrantAsync(
        Tenant tenant,
        string pool,
        string cpu,
        string memory = "8Gi",
        string pods = "50"
    )
    {
        var platformAdmin = await Arrange.AdminAsync();
        var granted = await platformAdmin.PostFormAsync(
            $"/admin/pools/{pool}/quotas",
            new()
            {
                ["Form.Tenant"] = tenant.Slug,
                ["Form.CpuRequests"] = cpu,
                ["Form.CpuLimits"] = cpu,
                ["Form.MemoryRequests"] = memory,
                ["Form.MemoryLimits"] = memory,
                ["Form.Storage"] = "100Gi",
                ["Form.Pods"] = pods,
                ["Form.MiddlewareInstances"] = "2",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        return await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
    }

    /// <summary>Creates an environment with this share and waits for its namespace to be ready.</summary>
    public async Task ReadyEnvironmentAsync(
        Tenant tenant,
        BrowserSession admin,
        string pool,
        string name,
        string cpu,
        string memory = "2Gi",
        string pods = "20"
    )
    {
        var created = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            new()
            {
                ["Name"] = name,
                ["Pool"] = pool,
                ["Share.CpuRequests"] = cpu,
                ["Share.CpuLimits"] = cpu,
                ["Share.MemoryRequests"] = memory,
                ["Share.MemoryLimits"] = memory,
                ["Share.Storage"] = "10Gi",
                ["Share.Pods"] = pods,
            }
        );
        Assert.True(
            created.StatusCode == HttpStatusCode.Redirect,
            $"Environment '{name}' was refused: "
                + string.Join(
                    " ",
                    System
                        .Text.RegularExpressions.Regex.Matches(
                            WebUtility.HtmlDecode(await created.Content.ReadAsStringAsync()),
                            "field-validation-error[^>]*>([^<]+)<|role=\"alert\">\\s*<div>([^<]+)</div>"
                        )
                        .Select(m => m.Groups[1].Value + m.Groups[2].Value)
                )
        );
        await EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Environments.IgnoreQueryFilters()
                        .AnyAsync(e => e.TenantId == tenant.Id && e.Name == name && e.State == EnvironmentState.Ready)
                ),
            $"environment '{name}' to be ready"
        );
    }

    /// <summary>
    /// What someone with access to the cluster can do: delete an environment's namespace and make one of the same name.
    /// </summary>
    public async Task ReplaceNamespaceBehindThePortalAsync(string ns)
    {
        using var cluster = Client();
        await cluster.CoreV1.DeleteNamespaceAsync(ns);
        await EventuallyAsync(
            async () => !(await cluster.CoreV1.ListNamespaceAsync()).Items.Any(n => n.Metadata.Name == ns),
            $"namespace '{ns}' to be gone"
        );
        await cluster.CoreV1.CreateNamespaceAsync(
            new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = ns } }
        );
    }

    public IKubernetes Client() =>
        new Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(
                    Encoding.UTF8.GetBytes(factory.Services.GetRequiredService<EmbeddedSandbox>().Cluster!.Kubeconfig)
                )
            )
        );

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
