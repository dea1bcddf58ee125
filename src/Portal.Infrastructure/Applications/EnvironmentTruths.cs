using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// The scale a deploy would run with and where it comes from, said for people in <see cref="Said"/> ("Keeps 3 replicas,
/// as scaled on 6 Dec 2026 12:19 UTC by ann@acme.test"); <see cref="SpecSays"/> is set when the working spec asks for
/// another scale than the environment keeps.
/// </summary>
public sealed record ScalePreview(
    ScaleSource Source,
    int Replicas,
    AutoscalingPolicy? Autoscaling,
    int? CurrentReplicas,
    bool Stopped,
    AutoscalingPolicy? CurrentAutoscaling,
    int SpecReplicas,
    AutoscalingPolicy? SpecAutoscaling,
    string? ScaledBy,
    DateTime? ScaledAt,
    string Said,
    string? SpecSays
);

/// <summary>
/// What the deployment would hold of the environment's share at most, and what the share leaves beside everything else
/// there.
/// </summary>
public sealed record QuotaPreview(bool Fits, ResourceAmounts Needed, ResourceAmounts Available, ResourceAmounts Share);

/// <summary>
/// What deploying would change in an environment: the revision running there now and the one the deploy would make, the
/// changes from what runs to what would run (secrets masked), the replicas it would run with and the quota it needs.
/// <see cref="Refusal"/> says why the deploy would be refused, when it would be.
/// </summary>
public sealed record DeployPreview(
    string Environment,
    int? CurrentRevision,
    string? CurrentOrigin,
    string? CurrentImage,
    int NextRevision,
    string Image,
    IReadOnlyList<SpecChange> Changes,
    ScalePreview Scale,
    QuotaPreview Quota,
    string? Refusal
);

/// <summary>
/// An application in one environment as it is: the revision that runs (how it came about, who made it, when), its
/// image, where it is reached (its ingress URLs and the address of its Service inside the cluster), and what the next
/// deploy of the working spec would change there (<see cref="Preview"/>; no change means the working spec matches what
/// runs).
/// </summary>
public sealed record EnvironmentTruth(
    string Environment,
    string Namespace,
    int Revision,
    string Origin,
    string RevisionBy,
    DateTime RevisionAt,
    string Image,
    IReadOnlyList<string> Urls,
    IReadOnlyList<string> Hosts,
    string? ServiceAddress,
    DeployPreview Preview
)
{
    public bool SpecDiffers => Preview.Changes.Count > 0;
}

/// <summary>
/// What runs in each environment of an application, and what a deploy would change there. Worked out by
/// <see cref="DeployPlanner"/>, as the deploy itself is, so that a preview says what the deploy does; nothing is
/// written.
/// </summary>
public sealed class EnvironmentTruths(
    PortalDbContext db,
    SpecVault vault,
    MiddlewareHoldings instances,
    TenantScope scope
)
{
    private readonly DeployPlanner _planner = new(db, vault, instances);

    /// <summary>
    /// What deploying the working spec to the environment would change, with its replicas kept, or set to
    /// <paramref name="replicas"/>.
    /// </summary>
    public async Task<Result<DeployPreview>> PreviewDeployAsync(
        string appName,
        string? environmentName,
        int? replicas,
        CancellationToken ct
    )
    {
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var environment = await db.Environments.AsNoTracking().FirstOrDefaultAsync(e => e.Name == environmentName, ct);
        if (environment is null)
            return Problem.Invalid("Environment", $"There is no environment '{environmentName}'.");
        var deployment = await db
            .AppDeployments.AsNoTracking()
            .FirstOrDefaultAsync(d => d.ApplicationId == app.Id && d.EnvironmentId == environment.Id, ct);
        return await PreviewAsync(app, environment, deployment, DeployScale.From(replicas), ct);
    }

    /// <summary>Per environment the application runs in, in the order of their names.</summary>
    public async Task<IReadOnlyList<EnvironmentTruth>?> OfApplicationAsync(string appName, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return null;
        var deployments = await (
            from d in db.AppDeployments.AsNoTracking()
            where d.ApplicationId == app.Id && d.State != AppDeploymentState.Removing
            join e in db.Environments.AsNoTracking() on d.EnvironmentId equals e.Id
            orderby e.Name
            select new { Deployment = d, Environment = e }
        ).ToListAsync(ct);
        var truths = new List<EnvironmentTruth>();
        foreach (var (deployment, environment) in deployments.Select(x => (x.Deployment, x.Environment)))
        {
            var plan = await _planner.PlanAsync(
                app.Id,
                environment,
                deployment,
                vault.Open(app.SealedSpec),
                DeployScale.Keep,
                ct
            );
            if (!plan.Succeeded || plan.Value.Running is not { } running)
                continue;
            var preview = await PreviewAsync(app, environment, deployment, plan.Value, ct);
            var exposure = plan.Value.RunningSpec!.Exposure;
            var route = IngressRoute.Of(exposure);
            var scheme = string.IsNullOrEmpty(exposure?.TlsSecretName) ? "http" : "https";
            truths.Add(
                new EnvironmentTruth(
                    environment.Name,
                    environment.Namespace,
                    running.Number,
                    running.Origin,
                    running.CreatedBy,
                    running.CreatedAt,
                    running.Image,
                    route is null || route.IsWildcard ? [] : [$"{scheme}://{route.Host}{route.Path}"],
                    route is null ? [] : [route.ToString()],
                    exposure is null
                        ? null
                        : $"{app.Name}.{environment.Namespace}.svc.cluster.local:{exposure.ServicePort}",
                    preview
                )
            );
        }
        return truths;
    }

    private async Task<Result<DeployPreview>> PreviewAsync(
        Application app,
        TenantEnvironment environment,
        AppDeployment? deployment,
        DeployScale scale,
        CancellationToken ct
    )
    {
        var plan = await _planner.PlanAsync(app.Id, environment, deployment, vault.Open(app.SealedSpec), scale, ct);
        if (!plan.Succeeded)
            return plan.Problem!;
        return await PreviewAsync(app, environment, deployment, plan.Value, ct);
    }

    private async Task<DeployPreview> PreviewAsync(
        Application app,
        TenantEnvironment environment,
        AppDeployment? deployment,
        DeployPlan plan,
        CancellationToken ct
    )
    {
        var spec = plan.Spec;
        // Replicas are the environment's own: what runs now is the running revision at the count the environment runs.
        var runsNow = deployment is null ? null : plan.RunningSpec?.WithReplicas(deployment.Replicas);
        var counted = Math.Max(spec.Replicas, spec.Autoscaling?.MaxReplicas ?? 0);
        var quota = await _planner.QuotaAsync(environment, deployment?.Id, spec.Resources, counted, ct);
        var working = vault.Open(app.SealedSpec);
        return new DeployPreview(
            environment.Name,
            plan.Running?.Number,
            plan.Running?.Origin,
            plan.Running?.Image,
            app.LatestRevision + 1,
            spec.Image,
            SpecDiff.Between(runsNow, spec),
            Said(plan.Scale, deployment, working, environment.Name),
            new QuotaPreview(quota.Admission.Succeeded, quota.Needed, quota.Available, quota.Share),
            Refusal(app, environment, deployment, quota.Admission)
        );
    }

    private string? Refusal(Application app, TenantEnvironment environment, AppDeployment? deployment, Result admission)
    {
        if (scope.Tenant is { IsReadOnly: true } tenant)
            return $"Tenant '{tenant.Slug}' is suspended: nothing can be deployed.";
        if (app.IsDeleting)
            return $"Application '{app.Name}' is being deleted.";
        if (environment.State is not (EnvironmentState.Ready or EnvironmentState.Provisioning))
            return $"Environment '{environment.Name}' is {environment.State}: nothing can be deployed to it.";
        if (deployment?.State == AppDeploymentState.Removing)
            return $"'{app.Name}' is being removed from '{environment.Name}'.";
        return admission.Succeeded ? null : admission.Problem!.Message;
    }

    private static ScalePreview Said(
        ScaledSpec scaled,
        AppDeployment? deployment,
        DeploymentSpec working,
        string environment
    )
    {
        var before = scaled.Before;
        var said = scaled.Source switch
        {
            ScaleSource.Set when before is null =>
                $"Runs {Replicas(scaled.Replicas)} (the spec says {working.Replicas})",
            ScaleSource.Set =>
                $"Runs {Replicas(scaled.Replicas)} ({(before.IsStopped ? "stopped now" : $"now {before.Replicas}")})",
            ScaleSource.Spec when scaled.Autoscaler is { } autoscaler =>
                $"First deploy to {environment}: the spec's autoscaler, {SpecDiff.DescribeAutoscaling(autoscaler)}",
            ScaleSource.Spec => $"First deploy to {environment}: the spec's {Replicas(scaled.Replicas)}",
            _ when scaled.Autoscaler is { } autoscaler =>
                $"Keeps its autoscaler: {SpecDiff.DescribeAutoscaling(autoscaler)}{By(deployment, "set")}",
            _ when before is { IsStopped: true } =>
                $"Starts again with {Replicas(scaled.Replicas)}, as before it was stopped{By(deployment, "")}",
            _ => $"Keeps {Replicas(scaled.Replicas)}"
                + (
                    deployment?.ScaledAt is null ? ", as this environment runs now" : $", as scaled{By(deployment, "")}"
                ),
        };
        var specSays =
            scaled.Source == ScaleSource.Kept
            && (working.Replicas != scaled.Replicas || working.Autoscaling != scaled.Autoscaler)
                ? "The spec says "
                    + (
                        working.Autoscaling is { } policy
                            ? $"autoscaling, {SpecDiff.DescribeAutoscaling(policy)}"
                            : Replicas(working.Replicas)
                    )
                    + ": "
                    + "a deploy keeps this environment's scale unless it sets replicas."
                : null;
        return new ScalePreview(
            scaled.Source,
            scaled.Replicas,
            scaled.Autoscaler,
            before?.Replicas,
            before?.IsStopped ?? false,
            before?.Autoscaler,
            working.Replicas,
            working.Autoscaling,
            deployment?.ScaledBy,
            deployment?.ScaledAt,
            said,
            specSays
        );
    }

    private static string By(AppDeployment? deployment, string verb) =>
        deployment?.ScaledAt is { } at
            ? $"{(verb.Length == 0 ? "" : " " + verb)} on "
                + $"{at.ToString("d MMM yyyy HH:mm 'UTC'", CultureInfo.InvariantCulture)} "
                + $"by {deployment.ScaledBy}"
            : "";

    public static string Replicas(int count) =>
        count == 1 ? "1 replica" : $"{count.ToString(CultureInfo.InvariantCulture)} replicas";
}
