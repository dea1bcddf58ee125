using System.Net;
using System.Text;
using k8s;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Persistence;
using Portal.Web.Applications;
using Portal.Web.Clusters;

namespace Portal.Web.Tests.Support;

/// <summary>An application of a new tenant running in an environment "dev" of the embedded sandbox cluster.</summary>
public sealed record DeployedApp(Tenant Tenant, string App, string Namespace);

/// <summary>
/// Applications running in the embedded sandbox cluster for tests of their status and logs: the Deployment is rendered
/// and applied as a deploy would, the application's rows are written directly; and connections to the applications hub.
/// </summary>
public sealed class SandboxApps(PortalFactory factory)
{
    private Arrange Arrange => new(factory);

    /// <summary>
    /// A tenant with an environment "dev" made by its operation in the sandbox, and an application deployed there at
    /// revision 1: its Deployment rendered as a deploy renders it and created in the namespace, its rows written
    /// directly.
    /// </summary>
    public async Task<DeployedApp> DeployedAppAsync(int replicas, string image = "nginx:1.27")
    {
        var tenant = await EnvironmentAsync("dev");
        return await DeployedAppAsync(tenant, Arrange.Unique("web"), replicas, image);
    }

    /// <summary>
    /// Another application of <paramref name="beside"/>'s tenant, named <paramref name="app"/>, in its "dev".
    /// </summary>
    public Task<DeployedApp> DeployedBesideAsync(DeployedApp beside, string app, int replicas) =>
        DeployedAppAsync(beside.Tenant, app, replicas, "nginx:1.27");

    private async Task<DeployedApp> DeployedAppAsync(Tenant tenant, string app, int replicas, string image)
    {
        var ns = $"{tenant.Slug}-dev";
        using var cluster = SandboxClient();
        await cluster.AppsV1.CreateNamespacedDeploymentAsync(
            (await RenderAsync(tenant, app, ns, replicas, image)).Deployment,
            ns
        );
        await ApplicationRowsAsync(tenant, app, "dev", replicas, image);
        return new DeployedApp(tenant, app, ns);
    }

    /// <summary>
    /// An application's objects in the tenant's environment "dev", rendered as a deploy renders them.
    /// </summary>
    public async Task<AppManifests> RenderAsync(
        Tenant tenant,
        string app,
        string ns,
        int replicas,
        string image = "nginx:1.27"
    )
    {
        var environmentId = await Arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenant.Id && e.Name == "dev")
                .Select(e => e.Id)
                .SingleAsync()
        );
        return ApplicationManifests.Render(
            new ManifestInput(
                ns,
                app,
                new Infrastructure.Environments.Ownership(tenant.Id, tenant.Slug, environmentId, "dev"),
                1,
                Spec(replicas, image)
            )
        );
    }

    private static DeploymentSpec Spec(int replicas, string image) =>
        new()
        {
            Image = image,
            Resources = new ContainerResources(100, 200, 64L << 20, 128L << 20),
            Replicas = replicas,
        };

    /// <summary>
    /// Like <see cref="Arrange.ApplicationAsync"/>, but for an environment that exists in the cluster, and without
    /// pods: the watch brings them.
    /// </summary>
    private async Task ApplicationRowsAsync(
        Tenant tenant,
        string name,
        string environmentName,
        int replicas,
        string image
    )
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<SpecVault>();
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .SingleAsync(e => e.TenantId == tenant.Id && e.Name == environmentName);
        var spec = Spec(replicas, image);
        var now = DateTime.UtcNow;
        var app = Application.Create(tenant, name, "set up by a test", "test-setup", spec, vault.Seal, now).Value;
        var revision = app.NewRevision(spec, vault.Seal, environment.Name, "test-setup", null, "deploy", now).Value;
        var deployment = new AppDeployment(app, environment.Id, now);
        deployment.Deploy(revision, spec, false, now);
        deployment.RolledOut(now);
        db.Applications.Add(app);
        db.Revisions.Add(revision);
        db.AppDeployments.Add(deployment);
        await db.SaveChangesAsync();
    }

    public async Task<IReadOnlyList<string>> PodsAsync(DeployedApp deployed, int ready) =>
        await EventuallyAsync(
            async () =>
            {
                var pods = await Arrange.QueryAsync(db =>
                    db.WorkloadPods.Where(p => p.Namespace == deployed.Namespace && p.App == deployed.App && p.Ready)
                        .Select(p => p.Name)
                        .ToListAsync()
                );
                return pods.Count >= ready ? pods : null;
            },
            $"{ready} ready pods of {deployed.App}"
        );

    /// <summary>A new tenant with a quota in a pool of the sandbox, and an environment of it made by its job.</summary>
    private async Task<Tenant> EnvironmentAsync(string name)
    {
        var platformAdmin = await Arrange.AdminAsync();
        var pool = Arrange.Unique("pool");
        await EventuallyAsync(
            async () => await Arrange.QueryAsync(db => db.Hosts.AnyAsync()) ? true : (bool?)null,
            "the sandbox's hosts"
        );
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
                ["Form.CpuRequests"] = "4",
                ["Form.CpuLimits"] = "4",
                ["Form.MemoryRequests"] = "8Gi",
                ["Form.MemoryLimits"] = "8Gi",
                ["Form.Storage"] = "100Gi",
                ["Form.Pods"] = "50",
                ["Form.MiddlewareInstances"] = "2",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, granted.StatusCode);
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var created = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/environments",
            new()
            {
                ["Name"] = name,
                ["Pool"] = pool,
                ["Share.CpuRequests"] = "2",
                ["Share.CpuLimits"] = "2",
                ["Share.MemoryRequests"] = "2Gi",
                ["Share.MemoryLimits"] = "2Gi",
                ["Share.Storage"] = "10Gi",
                ["Share.Pods"] = "10",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        await EventuallyAsync(
            async () =>
                await Arrange.QueryAsync(db =>
                    db.Environments.IgnoreQueryFilters()
                        .AnyAsync(e => e.TenantId == tenant.Id && e.Name == name && e.State == EnvironmentState.Ready)
                )
                    ? true
                    : (bool?)null,
            "the environment to be ready"
        );
        return tenant;
    }

    public async Task<HubConnection> ConnectAsync(TestServiceAccount account) =>
        await ConnectAsync(
            ApplicationsHub.Path,
            await Arrange.TokenAsync(factory.CreateClient(), account.ClientId, account.Secret)
        );

    /// <summary>
    /// A connection to one of the portal's hubs with a bearer token, over long polling through the test server.
    /// </summary>
    public async Task<HubConnection> ConnectAsync(string hubPath, string token)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, hubPath), options =>
            {
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                options.AccessTokenProvider = () => Task.FromResult<string?>(token);
            })
            .AddJsonProtocol(json =>
                json.PayloadSerializerOptions.Converters.Add(
                    new System.Text.Json.Serialization.JsonStringEnumConverter()
                )
            )
            .Build();
        await connection.StartAsync();
        return connection;
    }

    public IKubernetes SandboxClient() =>
        new Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(
                    Encoding.UTF8.GetBytes(factory.Services.GetRequiredService<EmbeddedSandbox>().Cluster!.Kubeconfig)
                )
            )
        );

    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> attempt, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (await attempt() is { } done)
                return done;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
