using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tests.Monitoring.Sources;

namespace Portal.Infrastructure.Tests.Clusters;

/// <summary>
/// A kubeconfig replaced on one replica reaches the clients every other replica hands out, within seconds.
/// </summary>
public sealed class KubeconfigRotationTests
{
    [Fact]
    public async Task A_kubeconfig_replaced_on_another_replica_replaces_the_cached_client_here_once_the_recheck_is_due()
    {
        await using var oldServer = await StandInApiServer.StartAsync(
            (context, _) => StandInApiServer.Version(context)
        );
        await using var newServer = await StandInApiServer.StartAsync(
            (context, _) => StandInApiServer.Version(context)
        );
        var clock = new ManualClock();
        await using var replicaA = await SourcesDatabase.CreateAsync();
        await using var replicaB = replicaA.AnotherReplica(clock);
        var clusterId = await replicaA.AddClusterAsync(oldServer.Kubeconfig());
        var clients = replicaB.Service<KubernetesClients>();
        var before = await clients.ForAsync(clusterId, default);

        await ReplaceOnReplicaAsync(replicaA, clusterId, newServer);
        var meanwhile = await clients.ForAsync(clusterId, default);
        clock.Advance(KubernetesClients.CredentialsRecheck);
        var after = await clients.ForAsync(clusterId, default);
        var afterThat = await clients.ForAsync(clusterId, default);

        Assert.Equal(oldServer.Address.Port, before.BaseUri.Port);
        Assert.Same(before, meanwhile);
        Assert.Equal(newServer.Address.Port, after.BaseUri.Port);
        Assert.Same(after, afterThat);
        Assert.Equal("v1.31.0-standin", (await after.Version.GetCodeAsync()).GitVersion);
    }

    [Fact]
    public async Task A_client_whose_kubeconfig_was_not_replaced_is_kept_after_the_recheck()
    {
        await using var server = await StandInApiServer.StartAsync((context, _) => StandInApiServer.Version(context));
        var clock = new ManualClock();
        await using var replicaA = await SourcesDatabase.CreateAsync();
        await using var replicaB = replicaA.AnotherReplica(clock);
        var clusterId = await replicaA.AddClusterAsync(server.Kubeconfig());
        var clients = replicaB.Service<KubernetesClients>();
        var before = await clients.ForAsync(clusterId, default);

        clock.Advance(KubernetesClients.CredentialsRecheck * 3);
        var after = await clients.ForAsync(clusterId, default);

        Assert.Same(before, after);
    }

    private static Task ReplaceOnReplicaAsync(SourcesDatabase replica, Guid clusterId, StandInApiServer server) =>
        replica.InScopeAsync(async provider =>
        {
            var db = provider.GetRequiredService<PortalDbContext>();
            var cluster = await db.Clusters.SingleAsync(c => c.Id == clusterId);
            cluster.ReplaceKubeconfig(
                server.Address.ToString(),
                provider.GetRequiredService<KubeconfigVault>().Protect(server.Kubeconfig()),
                "v1.31.0",
                DateTime.UtcNow
            );
            await db.SaveChangesAsync();
        });

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
