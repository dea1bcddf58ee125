using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// What a deploy would run in an environment: the spec scaled for it (<see cref="DeployScale"/>) with the environment's middleware
/// bindings set, next to the revision that runs there now.
/// </summary>
public sealed record DeployPlan(DeploymentSpec Spec, ScaledSpec Scale, Revision? Running, DeploymentSpec? RunningSpec);

/// <summary>
/// What a deployment would hold of its environment's share at most (<see cref="Needed"/>), what the share leaves beside the other
/// applications and instances there (<see cref="Available"/>), and whether it is admitted.
/// </summary>
public sealed record QuotaCheck(ResourceAmounts Needed, ResourceAmounts Available, ResourceAmounts Share, Result Admission);

/// <summary>
/// Works a deploy out the same way for the deploy itself and for its preview, so that the preview says what the deploy does:
/// the spec it runs, and the quota it needs.
/// </summary>
internal sealed class DeployPlanner(PortalDbContext db, SpecVault vault, MiddlewareHoldings instances)
{
    public async Task<Result<DeployPlan>> PlanAsync(Guid appId, TenantEnvironment environment, AppDeployment? deployment, DeploymentSpec spec,
        DeployScale scale, CancellationToken ct)
    {
        var running = deployment is null
            ? null
            : await db.Revisions.AsNoTracking().FirstOrDefaultAsync(r => r.ApplicationId == appId && r.Number == deployment.Revision, ct);
        var runningSpec = running is null ? null : vault.Open(running.SealedSpec);
        var scaled = scale.Apply(spec, deployment?.ScaleWith(runningSpec?.Autoscaling), environment.Name);
        if (!scaled.Succeeded)
            return scaled.Problem!;
        var bound = await WithBindingsAsync(scaled.Value.Spec, appId, environment.Id, ct);
        return new DeployPlan(bound, scaled.Value with { Spec = bound }, running, runningSpec);
    }

    /// <summary>
    /// The portal's admission: what the deployment would hold at most (requests and limits per replica times its replicas, or its
    /// autoscaler's ceiling) must fit in the environment's share beside the other applications and the instances there.
    /// </summary>
    public async Task<QuotaCheck> QuotaAsync(TenantEnvironment environment, Guid? deploymentId, ContainerResources perReplica, int countedReplicas,
        CancellationToken ct)
    {
        var others = await db.AppDeployments.AsNoTracking()
            .Where(d => d.EnvironmentId == environment.Id && d.Id != deploymentId && d.State != AppDeploymentState.Removing)
            .Select(d => new { d.PerReplica, d.Replicas, d.AutoscaledUpTo })
            .ToListAsync(ct);
        var taken = ResourceAmounts.Sum(others.Select(o => Holds(o.PerReplica, Math.Max(o.Replicas, o.AutoscaledUpTo ?? 0))))
            + await instances.InEnvironmentAsync(environment.Id, null, ct);
        var needed = Holds(perReplica, countedReplicas);
        var share = environment.Share with { MiddlewareInstances = 0 };
        taken = taken with { MiddlewareInstances = 0 };
        return new QuotaCheck(needed, share - taken, share, QuotaAdmission.AdmitIn($"environment '{environment.Name}'", needed, share, taken));
    }

    /// <summary>
    /// The variables of the middleware instances bound to the application in the environment, set on the spec: whatever
    /// the spec came from (the working spec, an earlier revision, another environment), a deploy keeps the bindings.
    /// </summary>
    private async Task<DeploymentSpec> WithBindingsAsync(DeploymentSpec spec, Guid appId, Guid environmentId, CancellationToken ct)
    {
        var bound = await db.MiddlewareBindings.AsNoTracking().Where(b => b.ApplicationId == appId && b.EnvironmentId == environmentId)
            .Select(b => b.Variables).ToListAsync(ct);
        return bound.SelectMany(v => v).Aggregate(spec, (withBinding, variable) => withBinding.WithEnvironmentVariable(variable));
    }

    private static ResourceAmounts Holds(ContainerResources perReplica, int replicas) => new(
        perReplica.CpuRequestMillis * replicas, perReplica.CpuLimitMillis * replicas,
        perReplica.MemoryRequestBytes * replicas, perReplica.MemoryLimitBytes * replicas, 0, replicas, 0);
}
