using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

public sealed class ApplicationOptions
{
    public const string Section = "Portal:Applications";

    /// <summary>
    /// The longest a rollout is followed before the operation gives up on it: its last look is scheduled for then.
    /// </summary>
    public TimeSpan RolloutTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a new pod may stay unpullable, crash-looping or unschedulable before the rollout is called failed.
    /// </summary>
    public TimeSpan FailFastAfter { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How often a rollout is looked at when the cluster's watch saw none of its pods change meanwhile (each change
    /// wakes it at once). Each look is a short job: no worker waits in between.
    /// </summary>
    public TimeSpan RecheckEvery { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// What the runners of operations on applications share: an application's objects (ConfigMap, Secret, Deployment,
/// Service, Ingress, HorizontalPodAutoscaler) for the revision meant to run in an environment, rendered and ready to
/// apply, then the rollout followed to its end and said why in words when it fails. Each step creates or replaces its
/// objects, so the job can run twice; a resumed job skips the steps already done.
/// </summary>
public sealed class ApplicationDeployer(
    PortalDbContext db,
    KubernetesClients clients,
    SpecVault vault,
    IWorkloadChangeNotifier workloads,
    IOptions<ApplicationOptions> options,
    RegistryConnection registry,
    RolloutTroubles troubles,
    TimeProvider clock
)
{
    internal const string RolloutStep = "rollout";
    private static readonly Actor AutomaticRollback = new(null, "portal (automatic rollback)", null);

    internal static string Explain(Exception failure) =>
        failure is RolloutFailed ? failure.Message : ClusterProblems.Explain(failure);

    /// <summary>
    /// The deployment says the change failed; a failed rollout of a deploy that asked for it then deploys the previous
    /// revision again, as a new revision admitted like every deploy. When that cannot be admitted, the operation says
    /// why.
    /// </summary>
    internal async Task<string?> AfterFailureAsync(
        IServiceProvider services,
        Operation failed,
        Exception failure,
        CancellationToken ct
    )
    {
        var fresh = services.GetRequiredService<PortalDbContext>();
        if (await TargetAsync(fresh, failed, ct) is not { } target)
            return null;
        var deployment = target.Deployment;
        deployment.Failed(failed.Error!, Now);
        await fresh.SaveChangesAsync(ct);
        if (
            failure is not RolloutFailed
            || !deployment.RollsBackOnFailure
            || deployment.PreviousRevision is not { } previous
        )
            return null;
        var tenant = await fresh.Tenants.FirstAsync(t => t.Id == failed.TenantId, ct);
        services.GetRequiredService<TenantScope>().Bind(tenant);
        services.GetRequiredService<CurrentActor>().ActAs(AutomaticRollback);
        var rollback = await services
            .GetRequiredService<ApplicationChanges>()
            .RollBackAfterFailureAsync(
                new RollBackAfterFailure(
                    target.App.Id,
                    target.Environment.Name,
                    deployment.Revision,
                    previous,
                    failed.Error!
                ),
                ct
            );
        if (!rollback.Succeeded)
            return $"The automatic rollback to revision {previous} was refused: {rollback.Problem!.Message}";
        var revision = await fresh
            .AppDeployments.IgnoreQueryFilters()
            .Where(d => d.Id == deployment.Id)
            .Select(d => d.Revision)
            .FirstAsync(ct);
        return $"An automatic rollback deploys revision {previous} again, as revision {revision}.";
    }

    /// <summary>
    /// The deployment's state changed with the operation: pages that follow the application learn it at once.
    /// </summary>
    internal async Task AnnounceAsync(Guid operationId)
    {
        var operation = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .FirstOrDefaultAsync(o => o.Id == operationId, CancellationToken.None);
        var parts = operation?.TargetId.Split('/', 2) ?? [];
        if (parts.Length != 2)
            return;
        var workload = await (
            from e in db.Environments.IgnoreQueryFilters()
            where e.TenantId == operation!.TenantId && e.Name == parts[1]
            join p in db.ResourcePools on e.PoolId equals p.Id
            select new AppWorkload(p.ClusterId, e.Namespace, parts[0])
        ).FirstOrDefaultAsync(CancellationToken.None);
        if (workload != default)
            await workloads.WorkloadsChangedAsync([workload], CancellationToken.None);
    }

    internal DateTime Now => clock.GetUtcNow().UtcDateTime;

    /// <summary>
    /// Renders the application's objects for the revision meant to run in the operation's environment, lets
    /// <paramref name="steps"/> apply what the operation changes, then looks at the rollout: once per run of the job,
    /// which leaves the operation waiting for the next look (or for the cluster's watch to see its pods change) until
    /// the rollout is done, failed or over its time. A look after the first goes straight to the rollout.
    /// </summary>
    internal async Task ChangeAsync(
        Operation operation,
        OperationJournal journal,
        Func<ApplicationChange, Task> steps,
        CancellationToken ct
    )
    {
        var target = await TargetAsync(db, operation, ct)
            ?? throw new OperationTargetGone(
                $"'{operation.TargetId}' no longer exists: the application or its "
                    + "environment was deleted after this operation was queued."
            );
        var (app, environment, deployment, tenant) = target;
        var revision = await db
            .Revisions.IgnoreQueryFilters()
            .AsNoTracking()
            .FirstAsync(r => r.ApplicationId == app.Id && r.Number == deployment.Revision, ct);
        var spec = vault.Open(revision.SealedSpec);
        var pool = await db.ResourcePools.AsNoTracking().FirstAsync(p => p.Id == environment.PoolId, ct);
        var client = await clients.ForAsync(pool.ClusterId, ct);
        var ns = environment.Namespace;
        // The journal begins a step only once the one before is done: a begun rollout means everything is applied.
        if (!operation.HasBegun(RolloutStep))
        {
            // The YAML view of the application renders the same input: what is shown is what is applied.
            var pull = registry.PullAccess();
            var input = DeployedManifests.For(
                environment,
                tenant,
                app.Name,
                deployment,
                revision.Number,
                spec,
                pool.Placement,
                pull
            );
            var (running, owner) = (input.Spec, input.Owner);
            var manifests = ApplicationManifests.Render(input);
            await NamespaceClaim.EnsureOwnedAsync(client, environment, owner, ct);
            var objects = new AppObjects(client, ns, app.Name);
            // Written on every change, so that a changed registry credential reaches the namespace with the next
            // deploy.
            if (pull is not null)
                await journal.StepAsync(
                    operation,
                    "pull-secret",
                    () => RegistryPullSecret.ApplyAsync(client, ns, pull, owner.Labels(), ct),
                    ct
                );

            await steps(new ApplicationChange(app, environment, deployment, running, manifests, objects));
        }
        var rollout = new Rollout(operation.Id, client, ns, app.Name, revision.Number, spec.Image);
        if (await journal.FollowAsync(operation, RolloutStep, begun => LookAtRolloutAsync(rollout, begun, ct), ct))
            deployment.RolledOut(Now);
    }

    /// <summary>
    /// Removes the application's objects from each environment it is deployed to, then the application.
    /// </summary>
    internal async Task DeleteApplicationAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var app = await db
            .Applications.IgnoreQueryFilters()
            .FirstOrDefaultAsync(a => a.TenantId == operation.TenantId && a.Name == operation.TargetId, ct);
        if (app is null)
            return;
        var deployments = await (
            from d in db.AppDeployments.IgnoreQueryFilters()
            where d.ApplicationId == app.Id
            join e in db.Environments.IgnoreQueryFilters() on d.EnvironmentId equals e.Id
            select new { Deployment = d, Environment = e }
        ).ToListAsync(ct);
        var tenant = await db
            .Tenants.AsNoTracking()
            .Where(t => t.Id == operation.TenantId)
            .Select(t => t.Slug)
            .FirstAsync(ct);
        foreach (var (deployment, environment) in deployments.Select(x => (x.Deployment, x.Environment)))
        {
            var client = await clients.ForAsync(await ClusterOfAsync(environment, ct), ct);
            // Objects of the application's names in a namespace that is not the environment's are someone else's: left
            // alone.
            await journal.StepAsync(
                operation,
                $"remove from {environment.Name}",
                async () =>
                {
                    if (await NamespaceClaim.HoldsAsync(client, environment, Ownership.Of(environment, tenant), ct))
                        await new AppObjects(client, environment.Namespace, app.Name).DeleteAllAsync(ct);
                },
                ct
            );
            db.AppDeployments.Remove(deployment);
        }
        db.Applications.Remove(app);
    }

    private sealed record Rollout(
        Guid OperationId,
        IKubernetes Client,
        string Ns,
        string Name,
        int Revision,
        string Image
    );

    /// <summary>
    /// One look at a rollout: done (null) when every replica runs the new template and is available; failed, with the
    /// reason in words, when a new pod cannot pull its image, keeps crashing or finds no node, when the namespace's
    /// quota
    /// refuses its pods, when the Deployment's own progress deadline passes, or when the rollout is over its time;
    /// otherwise how it stands, and when to look again (at the latest when its time is up).
    /// </summary>
    private async Task<StepWait?> LookAtRolloutAsync(Rollout rollout, DateTime begun, CancellationToken ct)
    {
        var timeout = options.Value.RolloutTimeout;
        var deadline = new DateTimeOffset(begun, TimeSpan.Zero) + timeout;
        var current = await rollout.Client.AppsV1.ReadNamespacedDeploymentAsync(
            rollout.Name,
            rollout.Ns,
            cancellationToken: ct
        );
        if (RolloutVerdict.IsComplete(current))
        {
            troubles.Forget(rollout.OperationId);
            return null;
        }
        var now = clock.GetUtcNow();
        if (
            await RolloutVerdict.FailureAsync(
                rollout.Client,
                current,
                rollout.Revision,
                rollout.Image,
                troubles.Of(rollout.OperationId, now),
                now,
                options.Value.FailFastAfter,
                ct
            ) is
            { } reason
        )
        {
            troubles.Forget(rollout.OperationId);
            throw new RolloutFailed(reason);
        }
        var (ready, desired) = (current.Status?.ReadyReplicas ?? 0, current.Spec?.Replicas ?? 1);
        if (now >= deadline)
        {
            troubles.Forget(rollout.OperationId);
            throw new RolloutFailed(
                $"The rollout did not finish within {timeout.TotalMinutes:0.#} minutes: "
                    + $"{ready} of {desired} replicas ready."
            );
        }
        var again = deadline - now < options.Value.RecheckEvery ? deadline - now : options.Value.RecheckEvery;
        return new StepWait($"Waiting for the rollout: {ready} of {desired} replicas ready.", again);
    }

    private sealed record Target(
        Application App,
        TenantEnvironment Environment,
        AppDeployment Deployment,
        string Tenant
    );

    private static async Task<Target?> TargetAsync(PortalDbContext db, Operation operation, CancellationToken ct)
    {
        var parts = operation.TargetId.Split('/', 2);
        if (parts.Length != 2)
            return null;
        var found = await (
            from a in db.Applications.IgnoreQueryFilters()
            where a.TenantId == operation.TenantId && a.Name == parts[0]
            join d in db.AppDeployments.IgnoreQueryFilters() on a.Id equals d.ApplicationId
            join e in db.Environments.IgnoreQueryFilters() on d.EnvironmentId equals e.Id
            where e.Name == parts[1]
            join t in db.Tenants on a.TenantId equals t.Id
            select new
            {
                a,
                e,
                d,
                t.Slug,
            }
        ).FirstOrDefaultAsync(ct);
        return found is null ? null : new Target(found.a, found.e, found.d, found.Slug);
    }

    private Task<Guid> ClusterOfAsync(TenantEnvironment environment, CancellationToken ct) =>
        db.ResourcePools.Where(p => p.Id == environment.PoolId).Select(p => p.ClusterId).FirstAsync(ct);
}

/// <summary>
/// An application's objects rendered for the operation's environment, for a runner to apply what it changes.
/// </summary>
internal sealed record ApplicationChange(
    Application App,
    TenantEnvironment Environment,
    AppDeployment Deployment,
    DeploymentSpec Running,
    AppManifests Manifests,
    AppObjects Objects
);

/// <summary>A rollout that ended in failure, with the reason a developer can act on.</summary>
public sealed class RolloutFailed(string reason) : Exception(reason);

internal static class TextExtensions
{
    public static string Truncate(this string text, int length) =>
        text.Length <= length ? text : text[..(length - 1)] + "…";
}
