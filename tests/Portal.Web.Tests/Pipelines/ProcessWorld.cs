using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Web.Clusters;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The world the tests of real portal processes arrange over the portal's API, as a platform admin and then a
/// developer do first: a sandbox cluster (an external process registered by kubeconfig, or the embedded one), a pool
/// over it, a tenant granted a quota in the pool, environment dev, and the application shop. Each such test has a
/// database and a sandbox of its own, so they all use the same names.
/// </summary>
internal static class ProcessWorld
{
    /// <summary>The embedded sandbox's name: a portal on it has the world of one on a registered sandbox.</summary>
    public const string Cluster = EmbeddedSandboxOptions.ClusterName;
    public const string Pool = "shop-pool";
    public const string Tenant = "shop-team";
    public const string App = "shop";
    public const string Dev = "dev";
    public const string DevNamespace = $"{Tenant}-{Dev}";
    public const string ShopInDevPath = $"/api/v1/tenants/{Tenant}/apps/{App}/environments/{Dev}";

    /// <summary>
    /// Starts the sandbox cluster as a process of its own (three nodes of 4 CPUs and 16 GiB), so that killing the
    /// portal loses nothing of the cluster; its kubeconfig is written to <paramref name="kubeconfig"/>.
    /// </summary>
    public static async Task<ChildProcess> StartSandboxAsync(
        string kubeconfig,
        CancellationToken ct,
        int podStartDelayMs = 8000
    )
    {
        var dll = PortalProcess.Binaries("Portal.Sandbox");
        var sandbox = ChildProcess.Start(
            "dotnet",
            [
                dll,
                "--port",
                ChildProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                "--nodes",
                "3",
                "--kubeconfig",
                kubeconfig,
                // Long enough that a kill lands while a rollout is followed.
                "--pod-start-delay-ms",
                podStartDelayMs.ToString(CultureInfo.InvariantCulture),
            ],
            Path.GetDirectoryName(dll)!
        );
        var waited = Stopwatch.StartNew();
        while (!File.Exists(kubeconfig) || new FileInfo(kubeconfig).Length == 0)
        {
            if (sandbox.HasExited || waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                var output = sandbox.Output;
                sandbox.Dispose();
                throw new InvalidOperationException($"The sandbox did not start:\n{output}");
            }
            await Task.Delay(100, ct);
        }
        return sandbox;
    }

    public static Task RegisterClusterAsync(HttpClient api, string kubeconfig, CancellationToken ct) =>
        SucceedsAsync(api.PostAsJsonAsync("/api/v1/clusters", new { name = Cluster, kubeconfig }, ct));

    public static Task AddPoolAsync(HttpClient api, string region, string nodeSelector, CancellationToken ct) =>
        SucceedsAsync(
            api.PostAsJsonAsync(
                "/api/v1/pools",
                new
                {
                    name = Pool,
                    cluster = Cluster,
                    nodeSelector,
                    region,
                    cpuOvercommit = 2,
                    memoryOvercommit = 1,
                },
                ct
            )
        );

    /// <summary>
    /// Once the sandbox's nodes are written: the pool over all of them, the tenant with a quota of 10 CPUs in it,
    /// environment dev of 4 (created and ready) and the application shop of <paramref name="spec"/> (see
    /// <see cref="ShopSpec"/>), not deployed.
    /// </summary>
    public static async Task ArrangeShopAsync(
        HttpClient api,
        PortalDatabase database,
        object spec,
        CancellationToken ct
    )
    {
        await Support.SandboxWorld.EventuallyAsync(
            async () =>
            {
                await using var db = database.Open();
                return await db.Hosts.IgnoreQueryFilters().AnyAsync(ct);
            },
            "the sandbox's nodes in the hosts inventory",
            60
        );
        await AddPoolAsync(api, "bj", "", ct);
        await SucceedsAsync(api.PostAsJsonAsync("/api/v1/tenants", new { slug = Tenant, displayName = "Shop" }, ct));
        await GrantAsync(api, ct);
        await SucceedsAsync(database, await AcceptedAsync(CreateEnvironmentAsync(api, Dev, 4, ct)), "creating dev", ct);
        await using (var db = database.Open())
        {
            var dev = await db.Environments.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Name == Dev, ct);
            Assert.Equal(EnvironmentState.Ready, dev.State);
        }
        await SucceedsAsync(
            api.PostAsJsonAsync(
                $"/api/v1/tenants/{Tenant}/apps",
                new
                {
                    name = App,
                    description = "The shop",
                    owner = "team-shop",
                    spec,
                },
                ct
            )
        );
    }

    /// <summary>
    /// The pool promises what its nodes hold once the cluster's watch has written them: until then a grant is refused
    /// (409, "0 left of 0"), so it is asked again for up to a minute.
    /// </summary>
    private static async Task GrantAsync(HttpClient api, CancellationToken ct)
    {
        var grant = new
        {
            cpuRequests = "10",
            cpuLimits = "10",
            memoryRequests = "10Gi",
            memoryLimits = "10Gi",
            storage = "100Gi",
            pods = "100",
            middlewareInstances = "10",
        };
        for (var tries = 1; ; tries++)
        {
            using var granted = await api.PutAsJsonAsync($"/api/v1/pools/{Pool}/quotas/{Tenant}", grant, ct);
            if (granted.StatusCode != HttpStatusCode.Conflict || tries == 60)
            {
                await SucceedsAsync(Task.FromResult(granted));
                return;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    /// <summary>An environment of <paramref name="cpus"/> CPUs of the pool, created after the 202.</summary>
    public static Task<HttpResponseMessage> CreateEnvironmentAsync(
        HttpClient api,
        string name,
        int cpus,
        CancellationToken ct
    ) =>
        api.PostAsJsonAsync(
            $"/api/v1/tenants/{Tenant}/environments",
            new
            {
                name,
                pool = Pool,
                share = new
                {
                    cpuRequests = cpus.ToString(CultureInfo.InvariantCulture),
                    cpuLimits = cpus.ToString(CultureInfo.InvariantCulture),
                    memoryRequests = $"{cpus}Gi",
                    memoryLimits = $"{cpus}Gi",
                    storage = $"{cpus * 4}Gi",
                    pods = (cpus * 8).ToString(CultureInfo.InvariantCulture),
                },
            },
            ct
        );

    /// <summary>
    /// The shop's spec: nginx in 100 mCPU and 64 MiB. With <paramref name="deploy"/>, also served on a port and
    /// exposed, with a variable that names the deploy, so that each deploy's revision rolls new pods.
    /// </summary>
    public static object ShopSpec(int replicas = 1, int? deploy = null)
    {
        var resources = new
        {
            cpuRequestMillis = 100,
            cpuLimitMillis = 100,
            memoryRequestBytes = 64L << 20,
            memoryLimitBytes = 64L << 20,
        };
        if (deploy is not { } number)
            return new
            {
                image = "nginx:1.27",
                resources,
                replicas,
            };
        return new
        {
            image = "nginx:1.27",
            resources,
            replicas,
            ports = new[] { new { name = "http", port = 8080 } },
            environment = new[] { new { name = "DEPLOY", value = number.ToString(CultureInfo.InvariantCulture) } },
            exposure = new { servicePort = 80, targetPort = 8080 },
        };
    }

    /// <summary>Deploys the shop to dev and waits until the deploy succeeded; its operation.</summary>
    public static async Task<Guid> DeployShopAsync(
        HttpClient api,
        PortalDatabase database,
        string note,
        CancellationToken ct
    )
    {
        var operation = await AcceptedAsync(api.PostAsJsonAsync($"{ShopInDevPath}/deploy", new { note }, ct));
        await SucceedsAsync(database, operation, $"the deploy '{note}'", ct);
        return operation;
    }

    /// <summary>The operation of a 202.</summary>
    public static async Task<Guid> AcceptedAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == HttpStatusCode.Accepted,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered "
                + $"{(int)response.StatusCode}: {body}"
        );
        return JsonDocument.Parse(body).RootElement.GetProperty("operation").GetGuid();
    }

    public static async Task SucceedsAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(
            response.IsSuccessStatusCode,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered "
                + $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}"
        );
    }

    private static async Task SucceedsAsync(
        PortalDatabase database,
        Guid operationId,
        string what,
        CancellationToken ct
    )
    {
        Operation? operation = null;
        await Support.SandboxWorld.EventuallyAsync(
            async () =>
            {
                await using var db = database.Open();
                operation = await db
                    .Operations.IgnoreQueryFilters()
                    .AsNoTracking()
                    .SingleAsync(o => o.Id == operationId, ct);
                return operation.IsFinished;
            },
            $"{what} to end",
            90
        );
        Assert.True(
            operation!.State == OperationState.Succeeded,
            $"Arranging failed: {what} ended {operation.State}: {operation.Error}"
        );
    }
}
