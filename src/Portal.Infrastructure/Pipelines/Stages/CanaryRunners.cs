using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// An application's stable deployment in an environment as its canary is rendered beside it: the input the deploy job
/// renders for the stable revision, and the cluster and namespace.
/// </summary>
public sealed record CanarySite(
    Application App,
    TenantEnvironment Environment,
    AppDeployment Deployment,
    ManifestInput Stable,
    Guid ClusterId
)
{
    public string Namespace => Environment.Namespace;

    /// <summary>The operations' target: "{app}/{environment}".</summary>
    public static string Target(string app, string environment) => $"{app}/{environment}";

    /// <summary>The stable deployment named by "{app}/{environment}" of the tenant, or null when it is gone.</summary>
    public static async Task<CanarySite?> FindAsync(
        PortalDbContext db,
        SpecVault vault,
        RegistryConnection registry,
        Guid tenantId,
        string target,
        CancellationToken ct
    )
    {
        var parts = target.Split('/', 2);
        if (parts.Length != 2)
            return null;
        var found = await (
            from a in db.Applications.IgnoreQueryFilters().AsNoTracking()
            where a.TenantId == tenantId && a.Name == parts[0]
            join d in db.AppDeployments.IgnoreQueryFilters().AsNoTracking() on a.Id equals d.ApplicationId
            join e in db.Environments.IgnoreQueryFilters().AsNoTracking() on d.EnvironmentId equals e.Id
            where e.Name == parts[1]
            join p in db.ResourcePools.AsNoTracking() on e.PoolId equals p.Id
            join t in db.Tenants.AsNoTracking() on a.TenantId equals t.Id
            join r in db.Revisions.IgnoreQueryFilters().AsNoTracking()
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            select new
            {
                App = a,
                Deployment = d,
                Environment = e,
                Pool = p,
                t.Slug,
                r.SealedSpec,
            }
        ).FirstOrDefaultAsync(ct);
        if (found is null)
            return null;
        var stable = DeployedManifests.For(
            found.Environment,
            found.Slug,
            found.App.Name,
            found.Deployment,
            found.Deployment.Revision,
            vault.Open(found.SealedSpec),
            found.Pool.Placement,
            registry.PullAccess()
        );
        return new CanarySite(found.App, found.Environment, found.Deployment, stable, found.Pool.ClusterId);
    }
}

/// <summary>
/// Deploys a canary stage's canary (<see cref="OperationKinds.ApplicationCanary"/>, target "{app}/{environment}"):
/// the run's image as "{app}-canary" with the stage's share of the stable replicas (<see cref="CanaryManifests"/>),
/// created or replaced, after the namespace's pull secret. A canary whose stage no longer waits for it is not made.
/// </summary>
public sealed class ApplyCanaryRunner(
    PortalDbContext db,
    SpecVault vault,
    RegistryConnection registry,
    KubernetesClients clients
) : IOperationRunner
{
    public static string Kind => OperationKinds.ApplicationCanary;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var child = await db
            .PipelineRunChildren.IgnoreQueryFilters()
            .AsNoTracking()
            .FirstOrDefaultAsync(c => c.OperationId == operation.Id, ct)
            ?? throw new OperationTargetGone("The run of this canary was deleted after the canary was queued.");
        var run = await db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().FirstAsync(r => r.Id == child.RunId, ct);
        if (run.Stage(child.Stage) is not { State: StageState.Running } stage || stage.OperationId != operation.Id)
            throw new OperationTargetGone($"Stage '{child.Stage}' of run {run.Number} no longer waits for its canary.");
        if (RunStages.Definition(run, child.Stage) is not CanaryStage canary || run.Image is not { } image)
            throw new OperationTargetGone($"Stage '{child.Stage}' of run {run.Number} has no canary to deploy.");
        var site = await CanarySite.FindAsync(db, vault, registry, operation.OwnerTenantId, operation.TargetId, ct)
            ?? throw new OperationTargetGone(
                $"'{operation.TargetId}' no longer exists: the application or its environment was deleted."
            );
        var replicas = CanaryManifests.Replicas(site.Deployment.Replicas, canary.Percent);
        var deployment = CanaryManifests.Render(site.Stable, image, replicas);
        var client = await clients.ForAsync(site.ClusterId, ct);
        await NamespaceClaim.EnsureOwnedAsync(client, site.Environment, site.Stable.Owner, ct);
        if (registry.PullAccess() is { } pull)
            await journal.StepAsync(
                operation,
                "pull-secret",
                () => RegistryPullSecret.ApplyAsync(client, site.Namespace, pull, site.Stable.Owner.Labels(), ct),
                ct
            );
        await journal.StepAsync(operation, "canary", () => ApplyAsync(client, site.Namespace, deployment, ct), ct);
    }

    private static async Task ApplyAsync(IKubernetes client, string ns, V1Deployment deployment, CancellationToken ct)
    {
        try
        {
            await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var name = deployment.Metadata.Name;
            var current = await client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct);
            var app = deployment.Metadata.Labels[ApplicationManifests.NameLabel];
            if (!CanaryManifests.IsCanary(current, app))
                throw new OperationTargetGone(
                    $"A Deployment '{name}' that is not the portal's canary of '{app}' is in the way: nothing was "
                        + "changed."
                );
            deployment.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            await client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, name, ns, cancellationToken: ct);
        }
    }
}

/// <summary>
/// Removes an application's canary (<see cref="OperationKinds.ApplicationCanaryRemove"/>, target
/// "{app}/{environment}"), with its pods; a Deployment of that name that is not the portal's canary is left alone, and
/// one already gone is fine: it can run twice.
/// </summary>
public sealed class RemoveCanaryRunner(
    PortalDbContext db,
    SpecVault vault,
    RegistryConnection registry,
    KubernetesClients clients
) : IOperationRunner
{
    public static string Kind => OperationKinds.ApplicationCanaryRemove;

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var site = await CanarySite.FindAsync(db, vault, registry, operation.OwnerTenantId, operation.TargetId, ct);
        if (site is null)
            return;
        var client = await clients.ForAsync(site.ClusterId, ct);
        var app = site.App.Name;
        await journal.StepAsync(
            operation,
            "remove canary",
            async () =>
            {
                V1Deployment current;
                try
                {
                    current = await client.AppsV1.ReadNamespacedDeploymentAsync(
                        CanaryManifests.Name(app),
                        site.Namespace,
                        cancellationToken: ct
                    );
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    return;
                }
                if (!CanaryManifests.IsCanary(current, app))
                    return;
                try
                {
                    await client.AppsV1.DeleteNamespacedDeploymentAsync(
                        CanaryManifests.Name(app),
                        site.Namespace,
                        propagationPolicy: "Background",
                        cancellationToken: ct
                    );
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
            },
            ct
        );
    }
}
