using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Clusters;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Middleware;

public sealed record InstanceRow(
    string Name,
    string Environment,
    string Template,
    string TemplateDisplayName,
    string Icon,
    string Version,
    string Plan,
    int Replicas,
    InstanceState State,
    string? Reason,
    string? Endpoint,
    int ReadyPods,
    DateTime CreatedAt
);

/// <summary>
/// A connection string with its credentials replaced by a mask: what the page shows until someone reveals them.
/// </summary>
public sealed record MaskedConnectionString(string Label, string Value);

public sealed record InstanceView(
    string Name,
    string Environment,
    string Namespace,
    string Template,
    string TemplateDisplayName,
    string Version,
    string Plan,
    int Replicas,
    int MaxReplicas,
    InstanceState State,
    string? Reason,
    string? Endpoint,
    bool KeepVolumes,
    string CreatedBy,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    ContainerResourcesView PerReplica,
    long StorageBytesPerReplica,
    IReadOnlyDictionary<string, string> Parameters,
    IReadOnlyList<PodView> Pods,
    IReadOnlyList<MaskedConnectionString> ConnectionStrings,
    IReadOnlyList<string> CredentialKeys,
    IReadOnlyList<string> UpgradeTargets,
    IReadOnlyList<TemplatePlan> Plans,
    IReadOnlyList<BindingView> Bindings
);

public sealed record ContainerResourcesView(
    long CpuRequestMillis,
    long CpuLimitMillis,
    long MemoryRequestBytes,
    long MemoryLimitBytes
);

/// <summary>
/// Reads the tenant's instances for pages and the API: the list from the portal's own rows and the pods the cluster
/// watch keeps (the instance's pods carry its name as app), the detail with connection strings masked, and events read
/// from the cluster.
/// </summary>
public sealed class InstanceDirectory(
    PortalDbContext db,
    CredentialVault vault,
    MiddlewareBindings bindings,
    IClusterGateway gateway,
    ILogger<InstanceDirectory> logger
)
{
    public const string Mask = "••••••";

    /// <summary>
    /// The tenant's instances by environment and name, paged on the server, with how many of their pods the watch saw
    /// ready.
    /// </summary>
    public async Task<Page<InstanceRow>> ListAsync(
        string? environment,
        string? template,
        PageRequest page,
        CancellationToken ct
    )
    {
        var query =
            from i in db.MiddlewareInstances.AsNoTracking()
            join e in db.Environments on i.EnvironmentId equals e.Id
            where (environment == null || e.Name == environment) && (template == null || i.TemplateName == template)
            select new { i, e };
        var total = await query.CountAsync(ct);
        var rows = await (
            from x in query
            join t in db.MiddlewareTemplates on x.i.TemplateId equals t.Id
            join p in db.ResourcePools on x.e.PoolId equals p.Id
            orderby x.e.Name, x.i.Name
            select new
            {
                x.i.Name,
                Environment = x.e.Name,
                x.i.TemplateName,
                t.DisplayName,
                t.Icon,
                x.i.Version,
                x.i.Plan,
                x.i.Replicas,
                x.i.State,
                x.i.Reason,
                x.i.Endpoint,
                x.i.CreatedAt,
                Ready = db.WorkloadPods.Count(w =>
                    w.ClusterId == p.ClusterId && w.Namespace == x.e.Namespace && w.App == x.i.Name && w.Ready
                ),
            }
        )
            .Skip((page.Number - 1) * page.Size)
            .Take(page.Size)
            .ToListAsync(ct);
        return new Page<InstanceRow>(
            rows.Select(r => new InstanceRow(
                    r.Name,
                    r.Environment,
                    r.TemplateName,
                    r.DisplayName,
                    r.Icon,
                    r.Version,
                    r.Plan,
                    r.Replicas,
                    r.State,
                    r.Reason,
                    r.Endpoint,
                    r.Ready,
                    r.CreatedAt
                ))
                .ToList(),
            page.Number,
            page.Size,
            total
        );
    }

    public async Task<InstanceView?> FindAsync(string? environment, string? name, CancellationToken ct)
    {
        var found = await (
            from i in db.MiddlewareInstances.AsNoTracking()
            join e in db.Environments on i.EnvironmentId equals e.Id
            where e.Name == environment && i.Name == name
            join t in db.MiddlewareTemplates on i.TemplateId equals t.Id
            join p in db.ResourcePools on e.PoolId equals p.Id
            select new
            {
                i,
                e.Namespace,
                Environment = e.Name,
                t,
                p.ClusterId,
            }
        ).FirstOrDefaultAsync(ct);
        if (found is null)
            return null;
        var (instance, template) = (found.i, found.t);
        var pods = await db
            .WorkloadPods.AsNoTracking()
            .Where(p => p.ClusterId == found.ClusterId && p.Namespace == found.Namespace && p.App == instance.Name)
            .ToListAsync(ct);
        var credentials = vault.Open(instance.SealedCredentials);
        var endpoint = InstanceEndpoint.Of(found.Namespace, instance.Name, template.Definition);
        var strings = TemplateRenderer.RenderConnectionStrings(
            template.Definition,
            endpoint,
            instance.Parameters,
            credentials
        );
        var masked = strings.Succeeded
            ? strings
                .Value.Select(s => new MaskedConnectionString(s.Label, MaskCredentials(s.Value, credentials.Values)))
                .ToList()
            : [];
        var plan = template.FindPlan(instance.Plan);
        return new InstanceView(
            instance.Name,
            found.Environment,
            found.Namespace,
            template.Name,
            template.DisplayName,
            instance.Version,
            instance.Plan,
            instance.Replicas,
            plan?.MaxReplicas ?? instance.Replicas,
            instance.State,
            instance.Reason,
            instance.Endpoint,
            instance.KeepVolumes,
            instance.CreatedBy,
            instance.CreatedAt,
            instance.UpdatedAt,
            new ContainerResourcesView(
                instance.PerReplica.CpuRequestMillis,
                instance.PerReplica.CpuLimitMillis,
                instance.PerReplica.MemoryRequestBytes,
                instance.PerReplica.MemoryLimitBytes
            ),
            instance.StorageBytesPerReplica,
            instance.Parameters,
            pods.OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => new PodView(
                    p.Name,
                    p.Phase,
                    p.Ready,
                    p.Restarts,
                    p.Reason,
                    p.Node,
                    p.PodIp,
                    p.CreatedAt,
                    p.Revision,
                    p.Containers.Split(',', StringSplitOptions.RemoveEmptyEntries),
                    p.CpuUsageMillis,
                    p.MemoryUsageBytes
                ))
                .ToList(),
            masked,
            credentials.Keys.Order(StringComparer.Ordinal).ToList(),
            template.UpgradeTargets(instance.Version).Select(v => v.Version).Where(v => v != instance.Version).ToList(),
            template.VisiblePlans(),
            await bindings.ForInstanceAsync(instance.Id, ct)
        );
    }

    /// <summary>
    /// The newest events of the instance's objects (its StatefulSet, pods, Services, claims: all named after it).
    /// </summary>
    public async Task<IReadOnlyList<ClusterEventView>> EventsAsync(
        string? environment,
        string? name,
        int take,
        CancellationToken ct
    )
    {
        var place = await (
            from i in db.MiddlewareInstances.AsNoTracking()
            join e in db.Environments on i.EnvironmentId equals e.Id
            where e.Name == environment && i.Name == name
            join p in db.ResourcePools on e.PoolId equals p.Id
            select new { p.ClusterId, e.Namespace }
        ).FirstOrDefaultAsync(ct);
        if (place is null)
            return [];
        var events = await gateway.ListEventsAsync(place.ClusterId, place.Namespace, ct);
        if (!events.Succeeded)
        {
            logger.LogWarning(
                "Events of {Namespace} could not be read: {Problem}",
                place.Namespace,
                events.Problem!.Message
            );
            return [];
        }
        return events
            .Value.Where(e =>
                e.ObjectName == name
                || e.ObjectName.StartsWith(name + "-", StringComparison.Ordinal)
                || e.ObjectName.Contains($"-{name}-", StringComparison.Ordinal)
            )
            .Take(Math.Clamp(take, 1, AppStatusReader.MaxEvents))
            .Select(e => new ClusterEventView(
                e.Type,
                e.Reason,
                e.Message,
                $"{e.ObjectKind}/{e.ObjectName}",
                e.Count,
                e.LastSeen
            ))
            .ToList();
    }

    /// <summary>The templates on offer for new instances.</summary>
    public async Task<IReadOnlyList<MiddlewareTemplate>> OfferedTemplatesAsync(CancellationToken ct) =>
        (await db.MiddlewareTemplates.AsNoTracking().Where(t => !t.Hidden).ToListAsync(ct))
            .OrderBy(t => t.DisplayName, StringComparer.Ordinal)
            .ToList();

    public Task<MiddlewareTemplate?> TemplateAsync(string? name, CancellationToken ct) =>
        db.MiddlewareTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, ct);

    private static string MaskCredentials(string value, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets.Where(s => s.Length > 0).OrderByDescending(s => s.Length))
        {
            value = value.Replace(secret, Mask, StringComparison.Ordinal);
            value = value.Replace(Uri.EscapeDataString(secret), Mask, StringComparison.Ordinal);
        }
        return value;
    }
}
