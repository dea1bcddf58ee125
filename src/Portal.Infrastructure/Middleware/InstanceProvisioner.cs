using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// What the runners of operations on middleware instances share: the instance's template rendered into its objects
/// (Secret, ConfigMap, Services, StatefulSet, PodDisruptionBudget) for its environment, and the StatefulSet followed
/// until every replica is ready, with the endpoint then recorded. Each step creates or replaces its objects, so the job
/// can run twice; a resumed job skips the steps already done.
/// </summary>
public sealed class InstanceProvisioner(
    PortalDbContext db,
    KubernetesClients clients,
    CredentialVault vault,
    IOptions<ApplicationOptions> options,
    TimeProvider clock
)
{
    internal DateTime Now => clock.GetUtcNow().UtcDateTime;

    internal static string Explain(Exception failure) =>
        failure is InstanceNotReady ? failure.Message : ClusterProblems.Explain(failure);

    /// <summary>After a failed operation, the instance says it failed and why.</summary>
    internal async Task<string?> MarkFailedAsync(IServiceProvider services, Operation failed, CancellationToken ct)
    {
        var fresh = services.GetRequiredService<PortalDbContext>();
        if (await TargetAsync(fresh, failed, ct) is not { } target)
            return null;
        target.Instance.MarkFailed(failed.Error!, Now);
        await fresh.SaveChangesAsync(ct);
        return null;
    }

    private sealed record Target(
        MiddlewareInstance Instance,
        TenantEnvironment Environment,
        MiddlewareTemplate Template,
        string Tenant
    );

    /// <summary>
    /// The instance the operation is about, its objects rendered, and whether its environment's namespace is the
    /// environment's own. Nothing is put into, or taken out of, a namespace of the same name that is not: for any
    /// operation but a deletion the namespace must be the environment's.
    /// </summary>
    internal async Task<InstanceChange> PrepareAsync(Operation operation, bool deleting, CancellationToken ct)
    {
        var (instance, environment, template, tenant) = await TargetAsync(db, operation, ct)
            ?? throw new OperationTargetGone(
                $"The instance '{operation.TargetId}' no longer exists: it was deleted after this operation was queued."
            );
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == environment.PoolId, ct);
        var rendered = TemplateRenderer.Render(
            InstanceChanges.RenderInput(
                instance,
                template,
                tenant,
                environment,
                vault.Open(instance.SealedCredentials),
                pool.Placement
            )
        );
        if (!rendered.Succeeded)
            throw new InstanceNotReady($"The template no longer renders: {rendered.Problem!.Message}");
        var client = await clients.ForAsync(pool.ClusterId, ct);
        var owner = Ownership.Of(environment, tenant);
        var inOwnNamespace = await NamespaceClaim.HoldsAsync(client, environment, owner, ct);
        if (!inOwnNamespace && !deleting)
            await NamespaceClaim.EnsureOwnedAsync(client, environment, owner, ct);
        return new InstanceChange(
            instance,
            environment,
            template,
            rendered.Value,
            rendered.Value.OfType<V1StatefulSet>().Single(),
            new InstanceObjects(client, environment.Namespace),
            InstanceNames.Selector(instance.Name, environment.Name),
            inOwnNamespace
        );
    }

    /// <summary>Follows the instance until every replica is ready, then records its endpoint.</summary>
    internal async Task BecomeReadyAsync(
        Operation operation,
        OperationJournal journal,
        InstanceChange change,
        CancellationToken ct
    )
    {
        var (instance, environment, template, _, set, objects, selector, _) = change;
        await journal.StepAsync(operation, "ready", () => FollowAsync(objects, set.Metadata.Name, selector, ct), ct);
        var endpoint = InstanceEndpoint.Of(environment.Namespace, instance.Name, template.Definition);
        instance.MarkReady($"{endpoint.Host}:{endpoint.Port}", Now);
    }

    /// <summary>
    /// Follows the StatefulSet until it has seen its latest spec and every replica of it is ready, or says why not by
    /// the deadline.
    /// </summary>
    private async Task FollowAsync(InstanceObjects objects, string name, string selector, CancellationToken ct)
    {
        var deadline = clock.GetUtcNow() + options.Value.RolloutTimeout;
        var troubleSince = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var current = await objects.ReadStatefulSetAsync(name, ct);
            var wanted = current.Spec.Replicas ?? 1;
            var status = current.Status;
            if (
                status is not null
                && (status.ObservedGeneration ?? 0) >= (current.Metadata.Generation ?? 0)
                && status.ReadyReplicas == wanted
                && (status.UpdatedReplicas ?? wanted) == wanted
                && status.CurrentRevision == status.UpdateRevision
            )
            {
                return;
            }

            var trouble = await TroubleAsync(objects, selector, troubleSince, ct);
            if (trouble is not null)
                throw new InstanceNotReady(trouble);
            if (clock.GetUtcNow() > deadline)
            {
                throw new InstanceNotReady(
                    $"The instance was not ready within {options.Value.RolloutTimeout.TotalMinutes:0.#} minutes: "
                        + $"{status?.ReadyReplicas ?? 0} of {wanted} replicas ready."
                );
            }

            await Task.Delay(
                TimeSpan.FromMilliseconds(Math.Min(500, options.Value.RecheckEvery.TotalMilliseconds)),
                clock,
                ct
            );
        }
    }

    /// <summary>
    /// A pod that cannot pull its image, keeps crashing or finds no node for longer than the fail-fast delay: the
    /// reason in words.
    /// </summary>
    private async Task<string?> TroubleAsync(
        InstanceObjects objects,
        string selector,
        Dictionary<string, DateTimeOffset> since,
        CancellationToken ct
    )
    {
        foreach (var pod in await objects.PodsAsync(selector, ct))
        {
            var waiting = pod
                .Status?.ContainerStatuses?.Select(s => s.State?.Waiting)
                .FirstOrDefault(w => w is not null);
            var unschedulable = pod.Status?.Conditions?.FirstOrDefault(c =>
                c.Type == "PodScheduled" && c.Status == "False" && c.Reason == "Unschedulable"
            );
            var reason =
                waiting?.Reason is "CrashLoopBackOff" or "ImagePullBackOff" or "ErrImagePull" or "InvalidImageName"
                    ? $"{waiting.Reason}: {waiting.Message}"
                : unschedulable is not null ? $"No node has room for pod {pod.Metadata.Name}: {unschedulable.Message}"
                : null;
            if (reason is null)
            {
                since.Remove(pod.Metadata.Name);
                continue;
            }
            var first = since.TryGetValue(pod.Metadata.Name, out var seen)
                ? seen
                : since[pod.Metadata.Name] = clock.GetUtcNow();
            if (clock.GetUtcNow() - first > options.Value.FailFastAfter)
                return $"Pod {pod.Metadata.Name} is not running: {reason}";
        }
        return null;
    }

    private static async Task<Target?> TargetAsync(PortalDbContext db, Operation operation, CancellationToken ct)
    {
        var parts = operation.TargetId.Split('/', 2);
        if (parts.Length != 2)
            return null;
        var found = await (
            from i in db.MiddlewareInstances.IgnoreQueryFilters()
            where i.TenantId == operation.TenantId && i.Name == parts[0]
            join e in db.Environments.IgnoreQueryFilters() on i.EnvironmentId equals e.Id
            where e.Name == parts[1]
            join t in db.MiddlewareTemplates on i.TemplateId equals t.Id
            join tenant in db.Tenants on i.TenantId equals tenant.Id
            select new
            {
                i,
                e,
                t,
                tenant.Slug,
            }
        ).FirstOrDefaultAsync(ct);
        return found is null ? null : new Target(found.i, found.e, found.t, found.Slug);
    }
}

/// <summary>
/// A middleware instance's objects rendered for its environment, for a runner to apply what its operation changes.
/// </summary>
internal sealed record InstanceChange(
    MiddlewareInstance Instance,
    TenantEnvironment Environment,
    MiddlewareTemplate Template,
    IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects,
    V1StatefulSet StatefulSet,
    InstanceObjects Cluster,
    string Selector,
    bool InOwnNamespace
);

/// <summary>An instance that did not become ready, with the reason a developer can act on.</summary>
public sealed class InstanceNotReady(string reason) : Exception(reason);
