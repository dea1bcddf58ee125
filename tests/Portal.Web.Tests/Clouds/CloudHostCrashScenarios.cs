using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Domain.Operations;
using Portal.Infrastructure;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Clouds.Providers.Alibaba;
using Portal.SandboxCloud.Alibaba;
using Portal.SandboxCloud.Hosting;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Clouds;

/// <summary>
/// A host's provisioning survives the portal's death: the portal runs as a process of its own, the sandbox cluster as
/// another and the sandbox cloud in the test, so that killing the portal loses neither. The portal is killed with
/// SIGKILL once the instance was created and before its node joined; started again on the same database, it resumes
/// the operation at the step it was at, and no second instance is created.
/// </summary>
public sealed class CloudHostCrashScenarios(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task A_portal_killed_between_instance_created_and_node_joined_resumes_with_one_instance(
        DatabaseKind kind
    )
    {
        PipelineRunCrashScenarios.RequireDatabase(kind);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        void Note(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds, 6:F1} s  {what}");
        var folder = Directory.CreateTempSubdirectory("portal-cloud-crash-").FullName;
        ChildProcess? sandbox = null;
        PortalProcess? portal = null;
        PortalDatabase? database = null;
        // The instance runs, and its kubelet joins, only after this: time enough to kill the portal in between.
        await using var cloud = await SandboxCloud.Hosting.SandboxCloud.StartAsync(
            new SandboxCloudOptions { BootDelay = TimeSpan.FromSeconds(6) },
            [new AlibabaEmulator()],
            ct
        );
        try
        {
            var kubeconfig = Path.Combine(folder, "sandbox.yaml");
            sandbox = await ProcessWorld.StartSandboxAsync(kubeconfig, ct, podStartDelayMs: 200);
            database = PortalDatabase.For(kind, folder);
            var settings = Settings(database);
            portal = await PortalProcess.StartAsync(settings, null, ct);
            await portal.SignInAsync(ct);
            using (var api = await portal.AdminApiAsync(ct))
            {
                await ProcessWorld.RegisterClusterAsync(api, await File.ReadAllTextAsync(kubeconfig, ct), ct);
                await ProcessWorld.AddPoolAsync(api, "sandbox-1", $"pool={ProcessWorld.Pool}", ct);
            }
            var hostId = await GrowAsync(database, cloud, ct);
            Note("account, template and one host arranged beside the portal; its operation waits for the sweeper");

            var created = await UntilAsync(
                database,
                hostId,
                (host, operation) => host.InstanceId is not null && operation.HasDone("create instance") ? host : null,
                TimeSpan.FromMinutes(2),
                portal,
                ct
            );
            var instance = cloud["Alibaba"].Find(created.InstanceId!)!;
            Assert.Equal(EmulatedState.Pending, instance.State);
            var pid = portal.Id;
            portal.Kill();
            Note($"portal {pid} killed (SIGKILL) with instance {instance.Id} created and still booting");
            output.WriteLine($"--- the killed portal's last lines:\n{portal.Tail(30)}");
            portal.Dispose();

            portal = await PortalProcess.StartAsync(settings, null, ct);
            Note($"portal started again as {portal.Id}");
            var ready = await UntilAsync(
                database,
                hostId,
                (host, _) => host.State is CloudHostState.Ready or CloudHostState.Failed ? host : null,
                TimeSpan.FromMinutes(3),
                portal,
                ct
            );

            await using var db = database.Open();
            var operation = await db
                .Operations.IgnoreQueryFilters()
                .AsNoTracking()
                .SingleAsync(o => o.Id == ready.OperationId, ct);
            Note(
                $"host {ready.State}: {string.Join(", ", operation.Steps.Select(s => s.Name))}; "
                    + $"{operation.Attempts} attempts"
            );
            Assert.True(ready.State == CloudHostState.Ready, operation.Error);
            Assert.Equal(OperationState.Succeeded, operation.State);
            Assert.True(
                operation.Attempts >= 2,
                $"The provisioning ran {operation.Attempts} time(s): it was not resumed."
            );
            Assert.Equal(created.InstanceId, ready.InstanceId);
            Assert.Single(cloud["Alibaba"].Instances, i =>
                i.Tags.GetValueOrDefault("portal-host") == hostId.ToString("N")
            );
            Assert.Single(operation.Steps, s => s.Name == "create instance");
        }
        finally
        {
            if (portal is not null)
                output.WriteLine($"--- the portal's last lines:\n{portal.Tail(40)}");
            portal?.Dispose();
            sandbox?.Dispose();
            if (database is not null)
                await database.DropAsync();
            PipelineRunCrashScenarios.DeleteQuietly(folder);
        }
    }

    private static Dictionary<string, string> Settings(PortalDatabase database) =>
        new()
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:Database:Provider"] = database.Provider.ToString(),
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Jobs:RunServer"] = "true",
            ["Portal:Builds:InstallTools"] = "false",
            ["Portal:Builds:Registry:Embedded"] = "false",
            ["Portal:Applications:RolloutTimeout"] = "00:00:08",
            ["Portal:Clouds:PollEvery"] = "00:00:00.500",
            ["Portal:Operations:QueuedFor"] = "00:00:03",
            ["Portal:Operations:StalledAfter"] = "00:00:12",
            ["Portal:Jobs:InvisibilityTimeout"] = "00:00:20",
        };

    /// <summary>
    /// Adds the Alibaba account, a template and one host through the portal's own use cases, in this process on the
    /// portal's database and key ring; the host's operation is left for the portal's sweeper to queue, since its job
    /// queue lives in the portal.
    /// </summary>
    private static async Task<Guid> GrowAsync(
        PortalDatabase database,
        SandboxCloud.Hosting.SandboxCloud cloud,
        CancellationToken ct
    )
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Portal:Database:Provider"] = database.Provider.ToString(),
                    ["ConnectionStrings:Portal"] = database.ConnectionString,
                    ["Portal:Clusters:Watch"] = "false",
                }
            )
            .Build();
        await using var services = new ServiceCollection()
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath())
            .AddScoped<IOperationQueue, SweptLater>()
            .BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        var account = await scope
            .ServiceProvider.GetRequiredService<CloudAccounts>()
            .AddAsync(
                new SaveCloudAccount(
                    "crash-alibaba",
                    null,
                    CloudKind.Alibaba,
                    "sandbox-1",
                    cloud.EndpointOf("Alibaba").ToString(),
                    new Dictionary<string, string?>
                    {
                        [AlibabaCloudProvider.AccessKeyIdField] = cloud.Options.AccessKey,
                        [AlibabaCloudProvider.AccessKeySecretField] = cloud.Options.Secret,
                    }
                ),
                ct
            );
        Assert.True(account.Succeeded, account.Problem?.Message);
        var template = await scope
            .ServiceProvider.GetRequiredService<HostTemplates>()
            .CreateAsync(
                ProcessWorld.Pool,
                "crash-alibaba",
                new HostTemplateSpec(
                    "small",
                    "sandbox-1",
                    "sandbox-1a",
                    "small.2c4g",
                    "img-debian-12",
                    40,
                    null,
                    null,
                    null,
                    null,
                    "team=crash",
                    null
                ),
                ct
            );
        Assert.True(template.Succeeded, template.Problem?.Message);
        var grown = await scope
            .ServiceProvider.GetRequiredService<PoolGrowth>()
            .GrowAsync(ProcessWorld.Pool, "small", 1, ct);
        Assert.True(grown.Succeeded, grown.Problem?.Message);
        return grown.Value[0].Id;
    }

    private static async Task<CloudHost> UntilAsync(
        PortalDatabase database,
        Guid hostId,
        Func<CloudHost, Operation, CloudHost?> condition,
        TimeSpan atMost,
        PortalProcess portal,
        CancellationToken ct
    )
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            await using (var db = database.Open())
            {
                var host = await db.CloudHosts.AsNoTracking().SingleAsync(h => h.Id == hostId, ct);
                var operation = await db
                    .Operations.IgnoreQueryFilters()
                    .AsNoTracking()
                    .SingleAsync(o => o.Id == host.OperationId, ct);
                if (condition(host, operation) is { } met)
                    return met;
                if (waited.Elapsed > atMost)
                    Assert.Fail(
                        $"Host {host.Name} is {host.State}; its operation {operation.State} at "
                            + string.Join(", ", operation.Steps.Select(s => s.Done ? s.Name : $"{s.Name} (open)"))
                            + " "
                            + $"{operation.Error}\n{portal.Tail(40)}"
                    );
            }
            await Task.Delay(250, ct);
        }
    }

    /// <summary>Queues nothing: the portal's sweeper queues an operation nobody picked up.</summary>
    private sealed class SweptLater : IOperationQueue
    {
        public void Enqueue(Operation operation) { }

        public bool Holds(string jobId) => false;

        public void LookAgainAfter(Guid operationId, TimeSpan delay) { }

        public void Wake(Guid operationId) { }
    }
}
