using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clusters;

/// <param name="WatchFailingSince">Since when the watch of its nodes and pods keeps failing: what is shown of them may
/// be stale.</param>
/// <param name="WatchError">Why the watch failed last.</param>
public sealed record ClusterSummary(
    Guid Id,
    string Name,
    string DisplayName,
    string ApiServer,
    ClusterHealth Health,
    string? Version,
    DateTime? LastContactAt,
    DateTime? LastCheckedAt,
    string? LastError,
    DateTime RegisteredAt,
    int Nodes,
    int ReadyNodes,
    int Pods,
    long CpuAllocatableMillis,
    long CpuRequestedMillis,
    long MemoryAllocatableBytes,
    long MemoryRequestedBytes,
    DateTime? WatchFailingSince,
    string? WatchError,
    bool TlsUnverified
)
{
    /// <summary>The cluster answers, but its watch keeps failing.</summary>
    public bool Degraded => Health == ClusterHealth.Healthy && WatchFailingSince is not null;
}

/// <summary>The platform admin's use cases on clusters: register by kubeconfig, list, check, remove.</summary>
/// <summary>A cluster to register: its name, what pages show, and the kubeconfig the portal reaches it with.</summary>
public sealed record RegisterCluster(string? Name, string? DisplayName, string? Kubeconfig, bool AcceptUnverifiedTls);

public sealed class ClusterRegistry(
    ICurrentActor currentActor,
    PortalDbContext db,
    IClusterGateway gateway,
    KubeconfigVault vault,
    KubernetesClients clients,
    AuditTrail audit,
    TimeProvider clock,
    ClusterWatcher watcher
)
{
    /// <summary>
    /// Registers a cluster by a kubeconfig that answers. One that turns off TLS verification needs
    /// <see cref="RegisterCluster.AcceptUnverifiedTls"/>, which is audited on its own and shown on the cluster's page.
    /// </summary>
    public async Task<Result<Cluster>> RegisterAsync(RegisterCluster request, CancellationToken ct)
    {
        var (name, displayName, kubeconfig, acceptUnverifiedTls) = request;
        var actor = currentActor.Actor;
        var nameCheck = Cluster.Register(name, displayName, "", "", null, actor.Name, clock.GetUtcNow().UtcDateTime);
        if (!nameCheck.Succeeded)
            return nameCheck;
        if (await db.Clusters.AnyAsync(c => c.Name == nameCheck.Value.Name, ct))
            return Problem.Conflict($"A cluster named '{nameCheck.Value.Name}' is registered already.", "Name");

        if (KubeconfigReader.CheckTlsVerification(kubeconfig, acceptUnverifiedTls) is { } unverified)
            return unverified;
        var probe = await gateway.ProbeAsync(kubeconfig ?? "", ct);
        if (!probe.Succeeded)
            return probe.Problem!;

        var tlsUnverified = KubeconfigReader.SkipsTlsVerification(kubeconfig);
        var cluster = Cluster
            .Register(
                name,
                displayName,
                probe.Value.ApiServer,
                vault.Protect(kubeconfig!),
                probe.Value.Version,
                actor.Name,
                clock.GetUtcNow().UtcDateTime,
                tlsUnverified
            )
            .Value;
        db.Clusters.Add(cluster);
        audit.Record(
            actor,
            null,
            ClusterAuditActions.Registered,
            "cluster",
            cluster.Name,
            $"API server {cluster.ApiServer}, Kubernetes {cluster.KubernetesVersion}"
        );
        RecordUnverified(actor, cluster);
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"A cluster named '{cluster.Name}' is registered already.", "Name");
        watcher.Start(cluster.Id);
        return cluster;
    }

    /// <summary>Replaces a cluster's kubeconfig after probing the new one; its watch starts over with it.</summary>
    public async Task<Result<Cluster>> ReplaceKubeconfigAsync(
        Cluster cluster,
        string? kubeconfig,
        bool acceptUnverifiedTls,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        if (KubeconfigReader.CheckTlsVerification(kubeconfig, acceptUnverifiedTls) is { } unverified)
            return unverified;
        var probe = await gateway.ProbeAsync(kubeconfig ?? "", ct);
        if (!probe.Succeeded)
            return probe.Problem!;
        var before = cluster.ApiServer;
        cluster.ReplaceKubeconfig(
            probe.Value.ApiServer,
            vault.Protect(kubeconfig!),
            probe.Value.Version,
            clock.GetUtcNow().UtcDateTime,
            KubeconfigReader.SkipsTlsVerification(kubeconfig)
        );
        audit.Record(
            actor,
            null,
            ClusterAuditActions.KubeconfigReplaced,
            "cluster",
            cluster.Name,
            new ChangeSummary().Field("API server", before, cluster.ApiServer).ToString() is { Length: > 0 } change
                ? change
                : "same API server, new credentials"
        );
        RecordUnverified(actor, cluster);
        await db.SaveChangesAsync(ct);
        await watcher.StopAsync(cluster.Id);
        clients.Forget(cluster.Id);
        watcher.Start(cluster.Id);
        return cluster;
    }

    private void RecordUnverified(Actor actor, Cluster cluster)
    {
        if (cluster.TlsUnverified)
        {
            audit.Record(
                actor,
                null,
                ClusterAuditActions.UnverifiedTlsAccepted,
                "cluster",
                cluster.Name,
                $"insecure-skip-tls-verify: the certificate of API server {cluster.ApiServer} is not verified"
            );
        }
    }

    public async Task<IReadOnlyList<ClusterSummary>> ListAsync(CancellationToken ct) =>
        await Summaries(db.Clusters.AsNoTracking()).ToListAsync(ct);

    public Task<ClusterSummary?> SummaryAsync(string name, CancellationToken ct) =>
        Summaries(db.Clusters.AsNoTracking().Where(c => c.Name == name)).FirstOrDefaultAsync(ct);

    public Task<Cluster?> FindAsync(string name, CancellationToken ct) =>
        db.Clusters.FirstOrDefaultAsync(c => c.Name == name, ct);

    /// <summary>Contacts the cluster and records the outcome: the health shown on the cluster pages.</summary>
    public async Task CheckAsync(Cluster cluster, CancellationToken ct)
    {
        var probe = await gateway.CheckAsync(cluster.Id, ct);
        if (probe.Succeeded)
            cluster.RecordContact(probe.Value.Version, clock.GetUtcNow().UtcDateTime);
        else
            cluster.RecordFailure(probe.Problem!.Message, clock.GetUtcNow().UtcDateTime);
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Forgets a cluster and its hosts inventory; nothing in the cluster itself changes.</summary>
    public async Task RemoveAsync(Cluster cluster, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        await watcher.StopAsync(cluster.Id);
        db.Clusters.Remove(cluster);
        audit.Record(
            actor,
            null,
            ClusterAuditActions.Removed,
            "cluster",
            cluster.Name,
            $"API server {cluster.ApiServer}"
        );
        await db.SaveChangesAsync(ct);
        clients.Forget(cluster.Id);
    }

    /// <summary>
    /// Each cluster with its hosts' totals, by name: the hosts grouped once (one index-only pass over the index that
    /// carries every summed column) and joined, rather than one correlated subquery per total.
    /// </summary>
    private IQueryable<ClusterSummary> Summaries(IQueryable<Cluster> clusters) =>
        from c in clusters
        join t in from h in db.Hosts
        group h by h.ClusterId into g
        select new
        {
            ClusterId = g.Key,
            Nodes = g.Count(),
            Ready = g.Count(h => h.Ready),
            Pods = g.Sum(h => h.PodCount),
            CpuAllocatable = g.Sum(h => h.CpuAllocatableMillis),
            CpuRequested = g.Sum(h => h.CpuRequestedMillis),
            MemoryAllocatable = g.Sum(h => h.MemoryAllocatableBytes),
            MemoryRequested = g.Sum(h => h.MemoryRequestedBytes),
        }
            on c.Id equals t.ClusterId
            into totals
        from t in totals.DefaultIfEmpty()
        orderby c.Name
        select new ClusterSummary(
            c.Id,
            c.Name,
            c.DisplayName,
            c.ApiServer,
            c.Health,
            c.KubernetesVersion,
            c.LastContactAt,
            c.LastCheckedAt,
            c.LastError,
            c.RegisteredAt,
            (int?)t.Nodes ?? 0,
            (int?)t.Ready ?? 0,
            (int?)t.Pods ?? 0,
            (long?)t.CpuAllocatable ?? 0,
            (long?)t.CpuRequested ?? 0,
            (long?)t.MemoryAllocatable ?? 0,
            (long?)t.MemoryRequested ?? 0,
            c.WatchFailingSince,
            c.WatchError,
            c.TlsUnverified
        );
}
