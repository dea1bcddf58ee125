using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// What a deploy would run in an environment: the spec scaled for it (<see cref="DeployScale"/>) with the environment's
/// middleware bindings set, next to the revision that runs there now.
/// </summary>
public sealed record DeployPlan(DeploymentSpec Spec, ScaledSpec Scale, Revision? Running, DeploymentSpec? RunningSpec);

/// <summary>
/// What a deployment would hold of its environment's share at most (<see cref="Needed"/>), what the share leaves beside
/// the other applications and instances there (<see cref="Available"/>), and whether it is admitted.
/// </summary>
public sealed record QuotaCheck(
    ResourceAmounts Needed,
    ResourceAmounts Available,
    ResourceAmounts Share,
    Result Admission
);

/// <summary>
/// Works a deploy out the same way for the deploy itself and for its preview, so that the preview says what the deploy
/// does: the spec it runs, and the quota it needs.
/// </summary>
internal sealed class DeployPlanner(PortalDbContext db, SpecVault vault, MiddlewareHoldings instances)
{
    public async Task<Result<DeployPlan>> PlanAsync(
        Guid appId,
        TenantEnvironment environment,
        AppDeployment? deployment,
        DeploymentSpec spec,
        DeployScale scale,
        CancellationToken ct
    )
    {
        var running = deployment is null
            ? null
            : await db
                .Revisions.AsNoTracking()
                .FirstOrDefaultAsync(r => r.ApplicationId == appId && r.Number == deployment.Revision, ct);
        var runningSpec = running is null ? null : vault.Open(running.SealedSpec);
        var scaled = scale.Apply(spec, deployment?.ScaleWith(runningSpec?.Autoscaling), environment.Name);
        if (!scaled.Succeeded)
            return scaled.Problem!;
        var bound = await WithBindingsAsync(scaled.Value.Spec, appId, environment.Id, ct);
        return new DeployPlan(bound, scaled.Value with { Spec = bound }, running, runningSpec);
    }

    /// <summary>
    /// The portal's admission: what the deployment would hold at most (requests and limits per replica times its
    /// replicas, or its autoscaler's ceiling) must fit in the environment's share beside the other applications and the
    /// instances there.
    /// </summary>
    public async Task<QuotaCheck> QuotaAsync(
        TenantEnvironment environment,
        Guid? deploymentId,
        ContainerResources perReplica,
        int countedReplicas,
        CancellationToken ct
    )
    {
        var others = await db
            .AppDeployments.AsNoTracking()
            .Where(d =>
                d.EnvironmentId == environment.Id && d.Id != deploymentId && d.State != AppDeploymentState.Removing
            )
            .Select(d => new
            {
                d.PerReplica,
                d.Replicas,
                d.AutoscaledUpTo,
            })
            .ToListAsync(ct);
        var taken =
            ResourceAmounts.Sum(others.Select(o => Holds(o.PerReplica, Math.Max(o.Replicas, o.AutoscaledUpTo ?? 0))))
            + await instances.InEnvironmentAsync(environment.Id, null, ct);
        var needed = Holds(perReplica, countedReplicas);
        var share = environment.Share with { MiddlewareInstances = 0 };
        taken = taken with { MiddlewareInstances = 0 };
        return new QuotaCheck(
            needed,
            share - taken,
            share,
            QuotaAdmission.AdmitIn($"environment '{environment.Name}'", needed, share, taken)
        );
    }

    /// <summary>
    /// The variables of the middleware instances bound to the application in the environment, set on the spec: whatever
    /// the spec came from (the working spec, an earlier revision, another environment), a deploy keeps the bindings.
    /// </summary>
    private async Task<DeploymentSpec> WithBindingsAsync(
        DeploymentSpec spec,
        Guid appId,
        Guid environmentId,
        CancellationToken ct
    ) => WithBindings(spec, await BindingsAsync(appId, environmentId, ct));

    public static DeploymentSpec WithBindings(DeploymentSpec spec, IEnumerable<Binding> bindings) =>
        bindings
            .SelectMany(b => b.Variables)
            .Aggregate(spec, (withBinding, variable) => withBinding.WithEnvironmentVariable(variable));

    /// <summary>
    /// The spec of a revision made in another environment, without what that environment's bindings put there — its
    /// instances' hosts in its namespace, references to its instances' Secrets — which would point the target at them.
    /// Taken out by name, as unbinding does (a binding's names never clash with the application's own), so that values
    /// the binding gave earlier go too.
    /// </summary>
    public static DeploymentSpec WithoutBindings(DeploymentSpec spec, IEnumerable<Binding> bindings)
    {
        var bound = bindings.SelectMany(b => b.Variables).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        return spec.WithEnvironment(spec.Environment.Where(v => !bound.Contains(v.Name)));
    }

    /// <summary>
    /// The middleware instances bound to the application in the environment, oldest binding first, with the variables
    /// each gives.
    /// </summary>
    public async Task<List<Binding>> BindingsAsync(Guid appId, Guid environmentId, CancellationToken ct)
    {
        var rows = await (
            from b in db.MiddlewareBindings.AsNoTracking()
            where b.ApplicationId == appId && b.EnvironmentId == environmentId
            join i in db.MiddlewareInstances on b.InstanceId equals i.Id
            select new
            {
                i.Name,
                i.TemplateName,
                b.Variables,
                b.CreatedAt,
            }
        ).ToListAsync(ct);
        return rows.OrderBy(r => r.CreatedAt)
            .ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new Binding(
                new BindingSummary(r.Name, r.TemplateName, r.Variables.Select(v => v.Name).ToList()),
                r.Variables
            ))
            .ToList();
    }

    /// <summary>A binding with the variables it gives, as they were injected.</summary>
    public sealed record Binding(BindingSummary Summary, IReadOnlyList<EnvironmentVariable> Variables);

    private static ResourceAmounts Holds(ContainerResources perReplica, int replicas) =>
        new(
            perReplica.CpuRequestMillis * replicas,
            perReplica.CpuLimitMillis * replicas,
            perReplica.MemoryRequestBytes * replicas,
            perReplica.MemoryLimitBytes * replicas,
            0,
            replicas,
            0
        );
}
