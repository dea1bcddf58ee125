using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// An instance's credentials in clear with the connection strings made from them: shown once, after an audited reveal.
/// </summary>
public sealed record RevealedCredentials(
    IReadOnlyDictionary<string, string> Credentials,
    IReadOnlyList<RenderedConnectionString> ConnectionStrings
);

/// <summary>An instance to delete, whether its volumes are kept, and its name typed again to confirm.</summary>
public sealed record DeleteInstance(string? EnvironmentName, string? InstanceName, bool KeepVolumes, string? Confirm);

/// <summary>
/// A new middleware instance in an environment: which template, version and plan, and the template's parameters.
/// </summary>
public sealed record ProvisionInstance(
    string? EnvironmentName,
    string? Name,
    string? TemplateName,
    string? Version,
    string? Plan,
    IReadOnlyDictionary<string, string?> Parameters
);

/// <summary>
/// Changes to middleware instances: provisioning, scaling, plan change, upgrade, restart and deletion, and the audited
/// reveal of credentials. Each change is admitted against the environment's share (beside its applications) and the
/// tenant's instance quota in the pool, saved with its operation in one transaction, then carried out by
/// <see cref="InstanceProvisioner"/>.
/// </summary>
public sealed class InstanceChanges(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    CredentialVault vault,
    MiddlewareHoldings holdings,
    MiddlewareBindings bindings,
    AuditTrail audit,
    IOperationQueue queue,
    TimeProvider clock
)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<Result<Operation>> ProvisionAsync(ProvisionInstance request, CancellationToken ct)
    {
        var (environmentName, name, templateName, version, plan, parameters) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be provisioned.");
        var template = await db.MiddlewareTemplates.FirstOrDefaultAsync(t => t.Name == templateName, ct);
        if (template is null)
            return Problem.Invalid("Template", $"There is no middleware '{templateName}' in the catalog.");
        var environment = await db.Environments.FirstOrDefaultAsync(e => e.Name == environmentName, ct);
        if (environment is null)
            return Problem.Invalid("Environment", $"There is no environment '{environmentName}'.");
        if (environment.State is not (EnvironmentState.Ready or EnvironmentState.Provisioning))
            return Problem.Conflict(
                $"Environment '{environment.Name}' is {environment.State}: nothing can be provisioned in it.",
                "Environment"
            );

        var credentials = InstanceCredentials.Generate(template.Definition.Credentials);
        var created = MiddlewareInstance.Create(
            tenant,
            environment.Id,
            name,
            template,
            version,
            plan,
            parameters,
            vault.Seal(credentials),
            actor.Name,
            Now
        );
        if (!created.Succeeded)
            return created.Problem!;
        var instance = created.Value;
        if (
            await db.MiddlewareInstances.AnyAsync(i => i.EnvironmentId == environment.Id && i.Name == instance.Name, ct)
        )
            return Problem.Conflict(
                $"Environment '{environment.Name}' has an instance '{instance.Name}' already.",
                "Name"
            );
        if (await db.Applications.AnyAsync(a => a.Name == instance.Name, ct))
        {
            return Problem.Conflict(
                $"'{instance.Name}' is the name of an application of this tenant: an "
                    + "instance and an application of one name would select each other's "
                    + "pods. Choose another name.",
                "Name"
            );
        }

        var rendered = TemplateRenderer.Render(RenderInput(instance, template, tenant.Slug, environment, credentials));
        if (!rendered.Succeeded)
            return Problem.Invalid(
                "Template",
                $"'{template.DisplayName}' cannot be rendered with these choices: {rendered.Problem!.Message}"
            );

        return await AdmittedAsync(
            environment,
            instance,
            isNew: true,
            async () =>
            {
                db.MiddlewareInstances.Add(instance);
                return await OperationAsync(
                    actor,
                    tenant,
                    OperationKinds.MiddlewareProvision,
                    instance,
                    environment,
                    MiddlewareAuditActions.Provisioned,
                    $"{template.DisplayName} {instance.Version}, plan {instance.Plan}, in '{environment.Name}'",
                    ct
                );
            },
            ct
        );
    }

    public Task<Result<Operation>> ScaleAsync(
        string? environmentName,
        string? instanceName,
        int replicas,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeAsync(
            actor,
            tenant,
            environmentName,
            instanceName,
            MiddlewareAuditActions.Scaled,
            $"scaled to {replicas}",
            true,
            (i, t) => i.Scale(t, replicas, Now),
            ct
        );
    }

    public Task<Result<Operation>> ChangePlanAsync(
        string? environmentName,
        string? instanceName,
        string? plan,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeAsync(
            actor,
            tenant,
            environmentName,
            instanceName,
            MiddlewareAuditActions.PlanChanged,
            $"plan changed to {plan}",
            true,
            (i, t) => i.ChangePlan(t, plan, Now),
            ct
        );
    }

    public Task<Result<Operation>> UpgradeAsync(
        string? environmentName,
        string? instanceName,
        string? version,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeAsync(
            actor,
            tenant,
            environmentName,
            instanceName,
            MiddlewareAuditActions.Upgraded,
            $"upgraded to {version}",
            false,
            (i, t) => i.Upgrade(t, version, Now),
            ct
        );
    }

    public Task<Result<Operation>> RestartAsync(string? environmentName, string? instanceName, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        return ChangeAsync(
            actor,
            tenant,
            environmentName,
            instanceName,
            MiddlewareAuditActions.Restarted,
            "rolling restart",
            false,
            (i, _) => i.Restart(Now),
            ct
        );
    }

    /// <summary>
    /// Deletes the instance, keeping its data volumes or not as asked. An instance that applications are bound to is
    /// deleted only with <see cref="DeleteInstance.Confirm"/> equal to its name; their bindings are removed first (a
    /// new revision of each).
    /// </summary>
    public async Task<Result<Operation>> DeleteAsync(DeleteInstance request, CancellationToken ct)
    {
        var (environmentName, instanceName, keepVolumes, confirm) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be deleted.");
        var found = await db.FindInstanceAsync(environmentName, instanceName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (instance, environment) = found.Value;
        var bound = await bindings.BoundApplicationsAsync(instance.Id, ct);
        if (bound.Count > 0 && !string.Equals(confirm, instance.Name, StringComparison.Ordinal))
        {
            return Problem.Conflict(
                $"'{instance.Name}' is bound to "
                    + $"{string.Join(", ", bound.Select(b => $"'{b}'"))}: unbind first, or "
                    + "confirm by typing the instance's name.",
                "Confirm"
            );
        }

        foreach (var app in bound)
        {
            var unbound = await bindings.UnbindAsync(environment.Name, instance.Name, app, ct);
            if (!unbound.Succeeded)
                return unbound.Problem!;
        }
        var marked = instance.MarkDeleting(keepVolumes, Now);
        if (!marked.Succeeded)
            return marked.Problem!;
        return await OperationAsync(
            actor,
            tenant,
            OperationKinds.MiddlewareDelete,
            instance,
            environment,
            MiddlewareAuditActions.Deleted,
            $"from '{environment.Name}', data volumes {(keepVolumes ? "kept" : "deleted")}",
            ct
        );
    }

    /// <summary>The credentials in clear, recorded in the audit trail first.</summary>
    public async Task<Result<RevealedCredentials>> RevealAsync(
        string? environmentName,
        string? instanceName,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var found = await db.FindInstanceAsync(environmentName, instanceName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (instance, environment) = found.Value;
        var template = await db.MiddlewareTemplates.AsNoTracking().FirstAsync(t => t.Id == instance.TemplateId, ct);
        var credentials = vault.Open(instance.SealedCredentials);
        var strings = TemplateRenderer.RenderConnectionStrings(
            template.Definition,
            InstanceEndpoint.Of(environment.Namespace, instance.Name, template.Definition),
            instance.Parameters,
            credentials
        );
        audit.Record(
            actor,
            tenant,
            MiddlewareAuditActions.CredentialsRevealed,
            "middleware",
            MiddlewareOperations.Target(instance.Name, environment.Name),
            "credentials shown"
        );
        await db.SaveChangesAsync(ct);
        return new RevealedCredentials(credentials, strings.Succeeded ? strings.Value : []);
    }

    internal static InstanceRenderInput RenderInput(
        MiddlewareInstance instance,
        MiddlewareTemplate template,
        string tenant,
        TenantEnvironment environment,
        IReadOnlyDictionary<string, string> credentials,
        PodPlacement? placement = null
    ) =>
        InstanceRenderInput.For(
            template,
            environment.Namespace,
            instance.Name,
            Ownership.Of(environment, tenant),
            template.FindVersion(instance.Version)!,
            template.FindPlan(instance.Plan)!,
            instance.Replicas,
            instance.Parameters,
            credentials,
            placement
        );

    private async Task<Result<Operation>> ChangeAsync(
        Actor actor,
        Tenant tenant,
        string? environmentName,
        string? instanceName,
        string action,
        string what,
        bool admit,
        Func<MiddlewareInstance, MiddlewareTemplate, Result> change,
        CancellationToken ct
    )
    {
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be changed.");
        var found = await db.FindInstanceAsync(environmentName, instanceName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (instance, environment) = found.Value;
        var template = await db.MiddlewareTemplates.AsNoTracking().FirstAsync(t => t.Id == instance.TemplateId, ct);
        var changed = change(instance, template);
        if (!changed.Succeeded)
            return changed.Problem!;
        var kind =
            action == MiddlewareAuditActions.Restarted
                ? OperationKinds.MiddlewareRestart
                : OperationKinds.MiddlewareUpdate;
        Task<Result<Operation>> Save() =>
            OperationAsync(actor, tenant, kind, instance, environment, action, $"{what} in '{environment.Name}'", ct);
        return admit ? await AdmittedAsync(environment, instance, isNew: false, Save, ct) : await Save();
    }

    /// <summary>
    /// The portal's admission of an instance: what it holds (per replica times replicas, storage included) must fit in
    /// the environment's share beside its applications and other instances, and a new one must fit in the tenant's
    /// instance quota of the pool. Saved with a move of the environment's admission stamp, so that two admissions at
    /// once cannot both take the last of a share.
    /// </summary>
    private async Task<Result<Operation>> AdmittedAsync(
        TenantEnvironment environment,
        MiddlewareInstance instance,
        bool isNew,
        Func<Task<Result<Operation>>> save,
        CancellationToken ct
    )
    {
        var apps = await db
            .AppDeployments.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(d => d.EnvironmentId == environment.Id && d.State != AppDeploymentState.Removing)
            .Select(d => new
            {
                d.PerReplica,
                d.Replicas,
                d.AutoscaledUpTo,
            })
            .ToListAsync(ct);
        var taken =
            ResourceAmounts.Sum(
                apps.Select(a => MiddlewareHoldings.Holds(a.PerReplica, 0, Math.Max(a.Replicas, a.AutoscaledUpTo ?? 0)))
            ) + await holdings.InEnvironmentAsync(environment.Id, instance.Id, ct);
        var needed = MiddlewareHoldings.Holds(instance.PerReplica, instance.StorageBytesPerReplica, instance.Replicas);
        var admitted = QuotaAdmission.AdmitIn(
            $"environment '{environment.Name}'",
            needed with
            {
                MiddlewareInstances = 0,
            },
            environment.Share with
            {
                MiddlewareInstances = 0,
            },
            taken with
            {
                MiddlewareInstances = 0,
            }
        );
        if (!admitted.Succeeded)
            return admitted.Problem!;
        var seen = environment.AdmissionStamp;
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // A new instance counts against the tenant's instances in the whole pool, admitted in other environments under
        // their own stamps: the quota's row orders them (taken first, as environment creations and share changes take
        // it).
        if (isNew)
        {
            await db
                .TenantQuotas.IgnoreQueryFilters()
                .Where(q => q.TenantId == environment.TenantId && q.PoolId == environment.PoolId)
                .ExecuteUpdateAsync(u => u.SetProperty(q => q.ChangedAt, q => q.ChangedAt), ct);
        }
        var claimed = await db
            .Environments.Where(e => e.Id == environment.Id && e.AdmissionStamp == seen)
            .ExecuteUpdateAsync(u => u.SetProperty(e => e.AdmissionStamp, e => e.AdmissionStamp + 1), ct);
        if (claimed == 0)
        {
            db.ChangeTracker.Clear();
            return Problem.Conflict("Another change reached this environment at the same moment; try again.");
        }
        if (isNew && await WithinInstanceQuotaAsync(environment, instance, ct) is { Succeeded: false } refused)
            return refused.Problem!;
        var result = await save();
        await transaction.CommitAsync(ct);
        if (result.Succeeded)
            queue.Enqueue(result.Value);
        return result;
    }

    private async Task<Result> WithinInstanceQuotaAsync(
        TenantEnvironment environment,
        MiddlewareInstance instance,
        CancellationToken ct
    )
    {
        var pool = await db
            .ResourcePools.AsNoTracking()
            .Where(p => p.Id == environment.PoolId)
            .Select(p => p.Name)
            .FirstAsync(ct);
        var granted = await db
            .TenantQuotas.IgnoreQueryFilters()
            .AsNoTracking()
            .Where(q => q.TenantId == environment.TenantId && q.PoolId == environment.PoolId)
            .Select(q => (int?)q.Granted.MiddlewareInstances)
            .FirstOrDefaultAsync(ct)
            ?? 0;
        var count = await holdings.CountInPoolAsync(environment.TenantId, environment.PoolId, instance.Id, ct);
        return QuotaAdmission.Admit(
            pool,
            ResourceAmounts.Zero with
            {
                MiddlewareInstances = 1,
            },
            ResourceAmounts.Zero with
            {
                MiddlewareInstances = granted,
            },
            ResourceAmounts.Zero with
            {
                MiddlewareInstances = count,
            }
        );
    }

    private async Task<Result<Operation>> OperationAsync(
        Actor actor,
        Tenant tenant,
        string kind,
        MiddlewareInstance instance,
        TenantEnvironment environment,
        string action,
        string what,
        CancellationToken ct
    )
    {
        var operation = new Operation(
            tenant.Id,
            kind,
            "middleware",
            MiddlewareOperations.Target(instance.Name, environment.Name),
            actor.Name,
            Now
        );
        db.Operations.Add(operation);
        audit.RecordForOperation(
            actor,
            tenant,
            action,
            "middleware",
            MiddlewareOperations.Target(instance.Name, environment.Name),
            what,
            operation
        );
        await db.SaveChangesAsync(ct);
        if (db.Database.CurrentTransaction is null)
            queue.Enqueue(operation);
        return operation;
    }
}
