using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// A middleware binding of an application in one environment: the instance, its template, and the variables it gives.
/// </summary>
public sealed record BindingSummary(string Instance, string Template, IReadOnlyList<string> Variables);

/// <summary>
/// The bindings on each side of a promotion. Bindings belong to their environment: promotion carries the application's
/// spec without the source's bindings, and the target keeps its own. <paramref name="Missing"/> names the variables the
/// source's bindings give that none of the target's does: promoted, the application runs in the target without them.
/// </summary>
public sealed record PromotionBindings(
    IReadOnlyList<BindingSummary> Source,
    IReadOnlyList<BindingSummary> Target,
    IReadOnlyList<string> Missing
);

/// <summary>
/// What promoting would change in the target environment: its revision now, the one it would get, the diff (with the
/// target's bindings, never the source's), and the bindings of both sides with a warning when the target lacks some of
/// the source's.
/// </summary>
public sealed record PromotionPreview(
    string From,
    string To,
    int FromRevision,
    int? ToRevision,
    IReadOnlyList<SpecChange> Changes,
    PromotionBindings Bindings
)
{
    public string? Warning =>
        Bindings.Missing.Count == 0
            ? null
            : $"{To} has no binding for {string.Join(", ", Bindings.Missing)}: in {From} they come from "
                + string.Join(
                    ", ",
                    Bindings
                        .Source.Where(b => b.Variables.Any(Bindings.Missing.Contains))
                        .Select(b => $"'{b.Instance}' ({b.Template})")
                )
                + ". "
                + $"Promoted, the application runs in {To} without them until an instance of {To} is bound to it.";
}

/// <summary>
/// A deploy of an application's working spec to an environment: the note it carries, whether a failed rollout rolls
/// back, and how it is scaled.
/// </summary>
public sealed record DeployApplication(
    string AppName,
    string? EnvironmentName,
    string? Note,
    bool RollBackOnFailure,
    DeployScale Scale
);

/// <summary>A deploy of the image one of the application's builds pushed, to one environment.</summary>
public sealed record DeployBuild(
    string AppName,
    string? EnvironmentName,
    int Build,
    string? Note,
    bool RollBackOnFailure
)
{
    /// <summary>
    /// Runs in the deploy's transaction once its operation is made, before it is saved: what the caller saves with it
    /// (a pipeline run noting the operation its stage started) is saved with the deploy or not at all.
    /// </summary>
    public Func<Operation, Task>? BeforeSave { get; init; }
}

/// <summary>A rollback of an application in an environment to one of its earlier revisions.</summary>
public sealed record RollBackApplication(string AppName, string? EnvironmentName, int Revision, string? Note);

/// <summary>
/// The automatic rollback of a failed rollout: the revision that failed, the one deployed again, and why.
/// </summary>
public sealed record RollBackAfterFailure(
    Guid AppId,
    string EnvironmentName,
    int FailedRevision,
    int PreviousRevision,
    string Reason
);

/// <summary>
/// A promotion of what runs in one environment to another, and whether bindings missing there are accepted.
/// </summary>
public sealed record PromoteApplication(
    string AppName,
    string? From,
    string? To,
    string? Note,
    bool AcceptMissingBindings
)
{
    /// <inheritdoc cref="DeployBuild.BeforeSave"/>
    public Func<Operation, Task>? BeforeSave { get; init; }
}

/// <summary>
/// A redeploy of what runs after its middleware bindings changed: the change of bindings, of the spec, and where it
/// came from.
/// </summary>
public sealed record RedeployRebound(
    Guid AppId,
    string EnvironmentName,
    Func<Task<Result>> Rebind,
    Func<DeploymentSpec, DeploymentSpec> Change,
    string Origin
);

/// <summary>
/// Changes to what runs: deploys (of the working spec, an earlier revision, or another environment's revision),
/// scaling, stop/start, restart, size and autoscaling. Each is admitted against the environment's share first,
/// saved with its operation in one transaction, then carried out by <see cref="ApplicationDeployer"/>.
/// </summary>
public sealed class ApplicationChanges(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    SpecVault vault,
    AuditTrail audit,
    IOperationQueue queue,
    AdmissionGate gate,
    Middleware.MiddlewareHoldings instances,
    IngressClaims ingress,
    TimeProvider clock
)
{
    private readonly DeployPlanner _planner = new(db, vault, instances);

    /// <summary>
    /// Deploys the working spec as a new revision, with the environment's replicas or autoscaler kept unless
    /// <see cref="DeployApplication.Scale"/>
    /// sets replicas.
    /// </summary>
    public async Task<Result<Operation>> DeployAsync(DeployApplication request, CancellationToken ct)
    {
        var (appName, environmentName, note, rollBackOnFailure, scale) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        return await DeployAsync(
            actor,
            tenant,
            app,
            environmentName,
            vault.Open(app.SealedSpec),
            note,
            "deploy",
            rollBackOnFailure,
            scale,
            ct
        );
    }

    /// <summary>
    /// Deploys what a successful build pushed: the working spec's image becomes the build's image pinned by digest
    /// (so a later deploy runs it too), and the new revision records the build's commit.
    /// </summary>
    public async Task<Result<Operation>> DeployBuildAsync(DeployBuild request, CancellationToken ct)
    {
        var (appName, environmentName, number, note, rollBackOnFailure) = request;
        if (string.IsNullOrWhiteSpace(environmentName))
            return Problem.Invalid("Environment", "Say which environment to deploy the build to.");
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var build = await db
            .Builds.AsNoTracking()
            .FirstOrDefaultAsync(b => b.ApplicationId == app.Id && b.Number == number, ct);
        if (build is null)
            return Problem.Invalid("Build", $"'{appName}' has no build {number}.");
        if (build is not { State: BuildState.Succeeded, Image: { } image })
            return Problem.Conflict(
                $"Build {number} of '{appName}' is {build.State.ToString().ToLowerInvariant()}: only a build that "
                    + "pushed its image can be deployed.",
                "Build"
            );
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return await UnderAdmissionLockAsync(
            tenant,
            environmentName,
            app.Id,
            async () =>
            {
                // The working spec takes the image in the deploy's own transaction: a refused deploy changes neither.
                var fresh = await db.Applications.FirstAsync(a => a.Id == app.Id, ct);
                var opened = vault.Open(fresh.SealedSpec) with { Image = image.Pinned };
                var spec = build.Port is { } port ? opened.ListeningOn(port) : opened;
                var changed = fresh.Change(
                    fresh.Description,
                    fresh.Owner,
                    spec,
                    vault.Seal,
                    clock.GetUtcNow().UtcDateTime
                );
                if (!changed.Succeeded)
                    return changed.Problem!;
                return await DeployOnceAsync(
                    actor,
                    tenant,
                    fresh,
                    environmentName,
                    spec,
                    note,
                    $"deploy of build {number}",
                    rollBackOnFailure,
                    DeployScale.Keep,
                    ct,
                    request.BeforeSave
                );
            },
            ct
        );
    }

    /// <summary>Rolls back by deploying an earlier revision's spec as a new revision.</summary>
    public async Task<Result<Operation>> RollBackAsync(RollBackApplication request, CancellationToken ct)
    {
        var (appName, environmentName, revision, note) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var earlier = await db
            .Revisions.AsNoTracking()
            .FirstOrDefaultAsync(r => r.ApplicationId == app.Id && r.Number == revision, ct);
        if (earlier is null)
            return Problem.Invalid("Revision", $"'{appName}' has no revision {revision}.");
        var spec = vault.Open(earlier.SealedSpec);
        // A revision made in another environment carries that environment's bindings, not this one's.
        if (
            earlier.Environment != environmentName
            && await db
                .Environments.Where(e => e.Name == earlier.Environment)
                .Select(e => (Guid?)e.Id)
                .FirstOrDefaultAsync(ct)
                is { } madeIn
        )
        {
            spec = DeployPlanner.WithoutBindings(spec, await _planner.BindingsAsync(app.Id, madeIn, ct));
        }

        return await DeployAsync(
            actor,
            tenant,
            app,
            environmentName,
            spec,
            note,
            $"rollback to revision {revision}",
            false,
            DeployScale.Keep,
            ct
        );
    }

    /// <summary>
    /// The automatic rollback of a failed rollout: the revision that ran before is deployed again as a new revision,
    /// admitted like every deploy (under the environment's admission lock, on fresh reads, against the share), and only
    /// while the environment still has the revision that failed: a deploy made since is not undone.
    /// </summary>
    public Task<Result<Operation>> RollBackAfterFailureAsync(RollBackAfterFailure request, CancellationToken ct)
    {
        var (appId, environmentName, failedRevision, previousRevision, reason) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return UnderAdmissionLockAsync(
            tenant,
            environmentName,
            appId,
            async () =>
            {
                var app = await db.Applications.FirstAsync(a => a.Id == appId, ct);
                var current = await (
                    from d in db.AppDeployments.AsNoTracking()
                    join e in db.Environments on d.EnvironmentId equals e.Id
                    where d.ApplicationId == appId && e.Name == environmentName
                    select (int?)d.Revision
                ).FirstOrDefaultAsync(ct);
                if (current != failedRevision)
                    return Problem.Conflict(
                        $"'{app.Name}' no longer has revision {failedRevision} in "
                            + $"'{environmentName}': a later deploy is left as it is."
                    );
                var earlier = await db
                    .Revisions.AsNoTracking()
                    .FirstOrDefaultAsync(r => r.ApplicationId == appId && r.Number == previousRevision, ct);
                if (earlier is null)
                    return Problem.Conflict($"Revision {previousRevision} of '{app.Name}' no longer exists.");
                return await DeployOnceAsync(
                    actor,
                    tenant,
                    app,
                    environmentName,
                    vault.Open(earlier.SealedSpec),
                    $"revision {failedRevision} failed: {reason}".Truncate(Revision.NoteMaxLength),
                    $"automatic rollback to revision {previousRevision}",
                    false,
                    DeployScale.Keep,
                    ct
                );
            },
            ct
        );
    }

    public async Task<Result<PromotionPreview>> PreviewPromotionAsync(
        string appName,
        string? from,
        string? to,
        CancellationToken ct
    )
    {
        var planned = await PlanPromotionAsync(appName, from, to, ct);
        return planned.Succeeded ? planned.Value.Preview : planned.Problem!;
    }

    /// <summary>
    /// Copies the revision running in one environment to another, as a new revision there: the application's spec,
    /// without the source's bindings, with the target's own. When the target lacks some of the source's bindings, the
    /// promotion is refused unless <see cref="PromoteApplication.AcceptMissingBindings"/> says to deploy without them.
    /// </summary>
    public async Task<Result<Operation>> PromoteAsync(PromoteApplication request, CancellationToken ct)
    {
        var (appName, from, to, note, acceptMissingBindings) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var planned = await PlanPromotionAsync(appName, from, to, ct);
        if (!planned.Succeeded)
            return planned.Problem!;
        var (preview, spec) = planned.Value;
        if (preview.Warning is { } warning && !acceptMissingBindings)
        {
            return Problem.Invalid(
                nameof(acceptMissingBindings),
                $"{warning} Confirm that '{appName}' may run in {preview.To} without "
                    + "them (acceptMissingBindings) to promote it anyway."
            );
        }

        var app = await db.Applications.FirstAsync(a => a.Name == appName, ct);
        return await DeployAsync(
            actor,
            tenant,
            app,
            to,
            spec,
            note,
            $"promotion of revision {preview.FromRevision} from {from}",
            false,
            DeployScale.Keep,
            ct,
            request.BeforeSave
        );
    }

    /// <summary>
    /// The preview of a promotion, and the spec it deploys: the source's revision without the source's bindings.
    /// </summary>
    private async Task<Result<(PromotionPreview Preview, DeploymentSpec Spec)>> PlanPromotionAsync(
        string appName,
        string? from,
        string? to,
        CancellationToken ct
    )
    {
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        if (string.Equals(from, to, StringComparison.Ordinal))
            return Problem.Invalid("To", "Promote to another environment than the one the revision comes from.");
        var source = await RunningRevisionAsync(app.Id, from, ct);
        if (!source.Succeeded)
            return source.Problem! with { Field = "From" };
        var target = await db.Environments.AsNoTracking().FirstOrDefaultAsync(e => e.Name == to, ct);
        if (target is null)
            return Problem.Invalid("To", $"There is no environment '{to}'.");
        var sourceEnvironmentId = await db.Environments.Where(e => e.Name == from).Select(e => e.Id).FirstAsync(ct);
        var sourceBindings = await _planner.BindingsAsync(app.Id, sourceEnvironmentId, ct);
        var targetBindings = await _planner.BindingsAsync(app.Id, target.Id, ct);
        var spec = DeployPlanner.WithoutBindings(vault.Open(source.Value.SealedSpec), sourceBindings);
        var current = await RunningRevisionAsync(app.Id, to, ct);
        var changes = SpecDiff.Between(
            current.Succeeded ? vault.Open(current.Value.SealedSpec) : null,
            DeployPlanner.WithBindings(spec, targetBindings)
        );
        var provided = targetBindings
            .SelectMany(b => b.Variables)
            .Select(v => v.Name)
            .ToHashSet(StringComparer.Ordinal);
        var missing = sourceBindings
            .SelectMany(b => b.Variables)
            .Select(v => v.Name)
            .Where(n => !provided.Contains(n))
            .Distinct()
            .ToList();
        var bindings = new PromotionBindings(
            sourceBindings.Select(b => b.Summary).ToList(),
            targetBindings.Select(b => b.Summary).ToList(),
            missing
        );
        return (
            new PromotionPreview(
                from!,
                target.Name,
                source.Value.Number,
                current.Succeeded ? current.Value.Number : null,
                changes,
                bindings
            ),
            spec
        );
    }

    public Task<Result<Operation>> ScaleAsync(
        string appName,
        string? environmentName,
        int replicas,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeReplicasAsync(
            actor,
            tenant,
            appName,
            environmentName,
            $"scaled to {replicas}",
            (d, now) => d.Scale(replicas, actor.Name, now),
            ct
        );
    }

    public Task<Result<Operation>> StopAsync(string appName, string? environmentName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeReplicasAsync(
            actor,
            tenant,
            appName,
            environmentName,
            "stopped",
            (d, now) => d.Stop(actor.Name, now),
            ct
        );
    }

    public Task<Result<Operation>> StartAsync(string appName, string? environmentName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeReplicasAsync(
            actor,
            tenant,
            appName,
            environmentName,
            "started",
            (d, now) => d.Start(actor.Name, now),
            ct
        );
    }

    /// <summary>Rolls every pod again, one at a time, without changing the revision.</summary>
    public async Task<Result<Operation>> RestartAsync(string appName, string? environmentName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var found = await DeploymentAsync(appName, environmentName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (app, environment, deployment) = found.Value;
        if (deployment.State is AppDeploymentState.Stopped or AppDeploymentState.Removing)
            return Problem.Conflict(
                $"'{app.Name}' has no pods to restart in '{environment.Name}' ({deployment.State})."
            );
        return await QueueAsync(
            actor,
            tenant,
            OperationKinds.ApplicationRestart,
            app,
            environment,
            ApplicationAuditActions.Restarted,
            "rolling restart",
            ct
        );
    }

    /// <summary>Vertical scaling: a new revision of the running one with other requests and limits.</summary>
    public Task<Result<Operation>> ResizeAsync(
        string appName,
        string? environmentName,
        ContainerResources resources,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ReviseRunningAsync(
            actor,
            tenant,
            appName,
            environmentName,
            spec => spec.WithResources(resources),
            DeployScale.Keep,
            "resized to CPU "
                + $"{Quantity.FormatCpu(resources.CpuRequestMillis)}/{Quantity.FormatCpu(resources.CpuLimitMillis)}, "
                + "memory "
                + $"{Quantity.FormatBytes(resources.MemoryRequestBytes)}/"
                + $"{Quantity.FormatBytes(resources.MemoryLimitBytes)}",
            ct
        );
    }

    /// <summary>Sets (or, with null, removes) the autoscaling policy: a new revision of the running one.</summary>
    public Task<Result<Operation>> AutoscaleAsync(
        string appName,
        string? environmentName,
        AutoscalingPolicy? policy,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ReviseRunningAsync(
            actor,
            tenant,
            appName,
            environmentName,
            spec => spec.WithAutoscaling(policy),
            DeployScale.Autoscaled(policy),
            policy is null ? "autoscaling off" : $"autoscaling {policy.MinReplicas}–{policy.MaxReplicas}",
            ct
        );
    }

    private async Task<Result<Operation>> ReviseRunningAsync(
        Actor actor,
        Tenant tenant,
        string appName,
        string? environmentName,
        Func<DeploymentSpec, DeploymentSpec> change,
        DeployScale scale,
        string origin,
        CancellationToken ct
    )
    {
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var running = await RunningRevisionAsync(app.Id, environmentName, ct);
        if (!running.Succeeded)
            return running.Problem!;
        return await DeployAsync(
            actor,
            tenant,
            app,
            environmentName,
            change(vault.Open(running.Value.SealedSpec)),
            null,
            origin,
            false,
            scale,
            ct
        );
    }

    /// <summary>
    /// Changes what an application running in an environment is bound to, and deploys that at once as a new revision of
    /// the running one, under the environment's admission lock like every deploy: <see cref="RedeployRebound.Rebind"/>
    /// makes the binding change inside the deploy's transaction, so that the binding and its revision are saved
    /// together or not at all, and a deploy made at the same moment cannot take a revision number or leave out the
    /// binding.
    /// </summary>
    public Task<Result<Operation>> RedeployReboundAsync(RedeployRebound request, CancellationToken ct)
    {
        var (appId, environmentName, rebind, change, origin) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return UnderAdmissionLockAsync(
            tenant,
            environmentName,
            appId,
            async () =>
            {
                var running = await RunningRevisionAsync(appId, environmentName, ct);
                if (!running.Succeeded)
                    return running.Problem!;
                var rebound = await rebind();
                if (!rebound.Succeeded)
                    return rebound.Problem!;
                await db.SaveChangesAsync(ct);
                var app = await db.Applications.FirstAsync(a => a.Id == appId, ct);
                return await DeployOnceAsync(
                    actor,
                    tenant,
                    app,
                    environmentName,
                    change(vault.Open(running.Value.SealedSpec)),
                    null,
                    origin,
                    false,
                    DeployScale.Keep,
                    ct
                );
            },
            ct
        );
    }

    /// <summary>
    /// The build of this application that pushed <paramref name="image"/>, when it is pinned by a digest one of its
    /// builds pushed: every revision that runs it (a deploy, a rollback, a promotion, a resize) says which commit it
    /// is.
    /// </summary>
    private async Task<RevisionSource?> BuiltFromAsync(Guid appId, string image, CancellationToken ct)
    {
        var at = image.LastIndexOf('@');
        if (at < 0)
            return null;
        var repository = image[..at];
        var digest = image[(at + 1)..];
        var build = await db
            .Builds.AsNoTracking()
            .Where(b =>
                b.ApplicationId == appId
                && b.State == BuildState.Succeeded
                && b.Image!.Digest == digest
                && b.Image.Repository == repository
            )
            .OrderByDescending(b => b.Number)
            .Select(b => new
            {
                b.Number,
                b.Commit,
                Repository = db
                    .AppSources.Where(s => s.ApplicationId == appId)
                    .Select(s => s.RepositoryUrl)
                    .FirstOrDefault(),
            })
            .FirstOrDefaultAsync(ct);
        if (build?.Commit is null)
            return null;
        return new RevisionSource(
            build.Number,
            build.Repository ?? "",
            build.Commit.Sha,
            build.Commit.Subject,
            build.Commit.Author
        );
    }

    private Task<Result<Operation>> DeployAsync(
        Actor actor,
        Tenant tenant,
        Application app,
        string? environmentName,
        DeploymentSpec spec,
        string? note,
        string origin,
        bool rollBackOnFailure,
        DeployScale scale,
        CancellationToken ct,
        Func<Operation, Task>? beforeSave = null
    ) =>
        UnderAdmissionLockAsync(
            tenant,
            environmentName,
            app.Id,
            async () =>
            {
                var fresh = await db.Applications.FirstAsync(a => a.Id == app.Id, ct);
                return await DeployOnceAsync(
                    actor,
                    tenant,
                    fresh,
                    environmentName,
                    spec,
                    note,
                    origin,
                    rollBackOnFailure,
                    scale,
                    ct,
                    beforeSave
                );
            },
            ct
        );

    private async Task<Result<Operation>> DeployOnceAsync(
        Actor actor,
        Tenant tenant,
        Application app,
        string? environmentName,
        DeploymentSpec spec,
        string? note,
        string origin,
        bool rollBackOnFailure,
        DeployScale scale,
        CancellationToken ct,
        Func<Operation, Task>? beforeSave = null
    )
    {
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be deployed.");
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Name == environmentName, ct);
        if (environment is null)
            return Problem.Invalid("Environment", $"There is no environment '{environmentName}'.");
        if (environment.State is not (EnvironmentState.Ready or EnvironmentState.Provisioning))
            return Problem.Conflict(
                $"Environment '{environment.Name}' is {environment.State}: nothing can be deployed to it.",
                "Environment"
            );
        var deployment = await db.AppDeployments.FirstOrDefaultAsync(
            d => d.ApplicationId == app.Id && d.EnvironmentId == environment.Id,
            ct
        );
        if (deployment?.State == AppDeploymentState.Removing)
            return Problem.Conflict($"'{app.Name}' is being removed from '{environment.Name}'.");

        var plan = await _planner.PlanAsync(app.Id, environment, deployment, spec, scale, ct);
        if (!plan.Succeeded)
            return plan.Problem!;
        spec = plan.Value.Spec;
        var now = clock.GetUtcNow().UtcDateTime;
        var source = await BuiltFromAsync(app.Id, spec.Image, ct);
        var revision = app.NewRevision(spec, vault.Seal, environment.Name, actor.Name, note, origin, now, source);
        if (!revision.Succeeded)
            return revision.Problem!;
        var isNew = deployment is null;
        deployment ??= new AppDeployment(app, environment.Id, now);
        deployment.Deploy(revision.Value, spec, rollBackOnFailure, now);
        var admitted = await AdmitAsync(environment, deployment, ct);
        if (!admitted.Succeeded)
        {
            audit.RecordRefusal(
                actor,
                tenant,
                ApplicationAuditActions.Deployed,
                "application",
                app.Name,
                $"{origin} of {spec.Image} to '{environment.Name}'",
                admitted.Problem!.Message
            );
            return admitted.Problem!;
        }
        var claimed = await ingress.ClaimAsync(tenant, app, environment, spec, ct);
        if (!claimed.Succeeded)
            return claimed.Problem!;

        db.Revisions.Add(revision.Value);
        if (isNew)
            db.AppDeployments.Add(deployment);
        var operation = new Operation(
            tenant.Id,
            OperationKinds.ApplicationDeploy,
            "application",
            ApplicationOperations.Target(app.Name, environment.Name),
            actor.Name,
            now
        );
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            ApplicationAuditActions.Deployed,
            "application",
            app.Name,
            $"revision {revision.Value.Number} ({origin}) of {spec.Image} to '{environment.Name}'"
                + $"{(plan.Value.Scale.Source == ScaleSource.Set ? $" with {spec.Replicas} replicas" : "")}"
                + $"{(note is null ? "" : $": {note}")}",
            operation
        );
        if (beforeSave is not null)
            await beforeSave(operation);
        await db.SaveChangesAsync(ct);
        return operation;
    }

    private async Task<Result<Operation>> ChangeReplicasAsync(
        Actor actor,
        Tenant tenant,
        string appName,
        string? environmentName,
        string what,
        Func<AppDeployment, DateTime, Result> change,
        CancellationToken ct
    )
    {
        var appId = await db
            .Applications.Where(a => a.Name == appName)
            .Select(a => (Guid?)a.Id)
            .FirstOrDefaultAsync(ct);
        if (appId is null)
            return Problem.NotFound($"Application '{appName}'");
        return await UnderAdmissionLockAsync(
            tenant,
            environmentName,
            appId.Value,
            () => ChangeReplicasOnceAsync(actor, tenant, appName, environmentName, what, change, ct),
            ct
        );
    }

    /// <summary>
    /// Runs an admission and its save in one transaction that first takes the environment's admission lock (moving
    /// its stamp locks its row in PostgreSQL, the database in SQLite, until the end) and the application's row (its
    /// revision numbers): admissions into one environment queue here, and each one reads the figures the one before
    /// it saved, so that changes made at once cannot overdraw the share together. The job is queued once committed.
    /// </summary>
    private async Task<Result<Operation>> UnderAdmissionLockAsync(
        Tenant tenant,
        string? environmentName,
        Guid appId,
        Func<Task<Result<Operation>>> admitAndSave,
        CancellationToken ct
    )
    {
        Result<Operation> result;
        // The gate is entered for an environment that exists, by its id: a name from the route never keeps a semaphore.
        var environmentId = await db
            .Environments.Where(e => e.Name == environmentName)
            .Select(e => (Guid?)e.Id)
            .FirstOrDefaultAsync(ct);
        if (environmentId is null)
            return Problem.Invalid("Environment", $"There is no environment '{environmentName}'.");
        using var entered = await gate.EnterAsync(environmentId.Value, ct);
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            await db
                .Environments.Where(e => e.Id == environmentId)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.AdmissionStamp, e => e.AdmissionStamp + 1), ct);
            await db
                .Applications.Where(a => a.Id == appId)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.LatestRevision, a => a.LatestRevision), ct);
            // What was read before the lock may be stale: read it again inside.
            db.ChangeTracker.Clear();
            result = await admitAndSave();
            if (result.Succeeded)
                await transaction.CommitAsync(ct);
        }
        if (!result.Succeeded)
        {
            // A refusal by the share is audited once its transaction has rolled back, on its own.
            await audit.SaveRefusalsAsync();
            return result;
        }
        queue.Enqueue(result.Value);
        return result;
    }

    private async Task<Result<Operation>> ChangeReplicasOnceAsync(
        Actor actor,
        Tenant tenant,
        string appName,
        string? environmentName,
        string what,
        Func<AppDeployment, DateTime, Result> change,
        CancellationToken ct
    )
    {
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be changed.");
        var found = await DeploymentAsync(appName, environmentName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (app, environment, deployment) = found.Value;
        var changed = change(deployment, clock.GetUtcNow().UtcDateTime);
        if (!changed.Succeeded)
            return changed.Problem!;
        var admitted = await AdmitAsync(environment, deployment, ct);
        if (!admitted.Succeeded)
        {
            audit.RecordRefusal(
                actor,
                tenant,
                ApplicationAuditActions.Scaled,
                "application",
                app.Name,
                $"{what} in '{environment.Name}'",
                admitted.Problem!.Message
            );
            return admitted.Problem!;
        }
        var operation = new Operation(
            tenant.Id,
            OperationKinds.ApplicationScale,
            "application",
            ApplicationOperations.Target(app.Name, environment.Name),
            actor.Name,
            clock.GetUtcNow().UtcDateTime
        );
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            ApplicationAuditActions.Scaled,
            "application",
            app.Name,
            $"{what} in '{environment.Name}'",
            operation
        );
        await db.SaveChangesAsync(ct);
        return operation;
    }

    private async Task<Result<Operation>> QueueAsync(
        Actor actor,
        Tenant tenant,
        string kind,
        Application app,
        TenantEnvironment environment,
        string action,
        string what,
        CancellationToken ct
    )
    {
        var operation = new Operation(
            tenant.Id,
            kind,
            "application",
            ApplicationOperations.Target(app.Name, environment.Name),
            actor.Name,
            clock.GetUtcNow().UtcDateTime
        );
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            action,
            "application",
            app.Name,
            $"{what} in '{environment.Name}'",
            operation
        );
        await db.SaveChangesAsync(ct);
        queue.Enqueue(operation);
        return operation;
    }

    /// <summary>
    /// The portal's admission: what the deployment would hold at most must fit in the environment's share
    /// (<see cref="DeployPlanner"/>).
    /// </summary>
    private async Task<Result> AdmitAsync(
        TenantEnvironment environment,
        AppDeployment deployment,
        CancellationToken ct
    ) =>
        (
            await _planner.QuotaAsync(environment, deployment.Id, deployment.PerReplica, deployment.CountedReplicas, ct)
        ).Admission;

    private async Task<Result<Revision>> RunningRevisionAsync(Guid appId, string? environmentName, CancellationToken ct)
    {
        var revision = await (
            from d in db.AppDeployments.AsNoTracking()
            join e in db.Environments on d.EnvironmentId equals e.Id
            join r in db.Revisions
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            where d.ApplicationId == appId && e.Name == environmentName
            select r
        ).FirstOrDefaultAsync(ct);
        return revision is null
            ? Problem.Invalid("Environment", $"Nothing of this application runs in '{environmentName}'.")
            : revision;
    }

    private async Task<
        Result<(Application App, TenantEnvironment Environment, AppDeployment Deployment)>
    > DeploymentAsync(string appName, string? environmentName, CancellationToken ct)
    {
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Name == environmentName, ct);
        var deployment = environment is null
            ? null
            : await db.AppDeployments.FirstOrDefaultAsync(
                d => d.ApplicationId == app.Id && d.EnvironmentId == environment.Id,
                ct
            );
        if (environment is null || deployment is null)
            return Problem.Invalid("Environment", $"'{appName}' is not deployed to '{environmentName}'.");
        return (app, environment, deployment);
    }
}
