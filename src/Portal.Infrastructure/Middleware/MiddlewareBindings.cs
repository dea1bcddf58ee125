using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// A variable a binding would give the application: its name (overridable), and a value or the instance's Secret key it
/// comes from.
/// </summary>
public sealed record BindingVariableView(
    string DefaultName,
    string Name,
    string? Value,
    string? SecretName,
    string? SecretKey
);

public sealed record BindingView(
    string Application,
    IReadOnlyList<EnvironmentVariable> Variables,
    string CreatedBy,
    DateTime CreatedAt
);

/// <summary>
/// An instance bound to an application in the same environment, with the names its values are injected under.
/// </summary>
public sealed record BindInstance(
    string? EnvironmentName,
    string? InstanceName,
    string? AppName,
    IReadOnlyDictionary<string, string?>? Names
);

/// <summary>
/// Binds instances to applications in the same environment: the running revision of the application there is deployed
/// again as a new revision whose spec has the instance's variables — plain ones as values, secret ones as references to
/// the instance's Secret, never their values. Unbinding deploys a new revision without them.
/// </summary>
public sealed partial class MiddlewareBindings(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    SpecVault vault,
    AuditTrail audit,
    ApplicationChanges changes,
    TimeProvider clock
)
{
    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public Task<List<string>> BoundApplicationsAsync(Guid instanceId, CancellationToken ct) =>
        (
            from b in db.MiddlewareBindings
            where b.InstanceId == instanceId
            join a in db.Applications on b.ApplicationId equals a.Id
            orderby a.Name
            select a.Name
        ).ToListAsync(ct);

    public async Task<IReadOnlyList<BindingView>> ForInstanceAsync(Guid instanceId, CancellationToken ct)
    {
        var rows = await (
            from b in db.MiddlewareBindings.AsNoTracking()
            where b.InstanceId == instanceId
            join a in db.Applications on b.ApplicationId equals a.Id
            select new
            {
                a.Name,
                b.Variables,
                b.CreatedBy,
                b.CreatedAt,
            }
        ).ToListAsync(ct);
        return rows.OrderBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => new BindingView(r.Name, r.Variables, r.CreatedBy, r.CreatedAt))
            .ToList();
    }

    /// <summary>The variables binding would give the application, with the names overridden where asked.</summary>
    public async Task<Result<IReadOnlyList<BindingVariableView>>> PreviewAsync(
        string? environmentName,
        string? instanceName,
        IReadOnlyDictionary<string, string?>? names,
        CancellationToken ct
    )
    {
        var found = await db.FindInstanceAsync(environmentName, instanceName, ct);
        return found.Succeeded
            ? await PreviewAsync(found.Value.Instance, found.Value.Environment, names, ct)
            : found.Problem!;
    }

    private async Task<Result<IReadOnlyList<BindingVariableView>>> PreviewAsync(
        MiddlewareInstance instance,
        TenantEnvironment environment,
        IReadOnlyDictionary<string, string?>? names,
        CancellationToken ct
    )
    {
        var template = await db.MiddlewareTemplates.AsNoTracking().FirstAsync(t => t.Id == instance.TemplateId, ct);
        var rendered = TemplateRenderer.RenderBindingVariables(
            template.Definition,
            InstanceEndpoint.Of(environment.Namespace, instance.Name, template.Definition),
            instance.Parameters
        );
        if (!rendered.Succeeded)
            return rendered.Problem!;
        var views = rendered
            .Value.Select(v =>
            {
                var chosen = names?.GetValueOrDefault(v.Name)?.Trim();
                return new BindingVariableView(
                    v.Name,
                    string.IsNullOrEmpty(chosen) ? v.Name : chosen,
                    v.Value,
                    v.SecretName,
                    v.SecretKey
                );
            })
            .ToList();
        var problems = new List<Problem>();
        foreach (var view in views.Where(v => !VariableName().IsMatch(v.Name)))
            problems.Add(
                Problem.Invalid(
                    view.DefaultName,
                    $"'{view.Name}' is not a valid variable name: letters, digits and '_', not starting with a digit."
                )
            );
        foreach (var twice in views.GroupBy(v => v.Name).Where(g => g.Count() > 1))
            problems.Add(
                Problem.Invalid(twice.First().DefaultName, $"'{twice.Key}' is given to more than one variable.")
            );
        return problems.Count > 0 ? Problem.Invalid(problems) : views;
    }

    public async Task<Result<Operation>> BindAsync(BindInstance request, CancellationToken ct)
    {
        var (environmentName, instanceName, appName, names) = request;
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be bound.");
        var found = await db.FindInstanceAsync(environmentName, instanceName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (instance, environment) = found.Value;
        var preview = await PreviewAsync(instance, environment, names, ct);
        if (!preview.Succeeded)
            return preview.Problem!;
        if (instance.State is InstanceState.Deleting)
            return Problem.Conflict($"Instance '{instance.Name}' is being deleted.");
        var running = await RunningAsync(appName, environment, ct);
        if (!running.Succeeded)
            return running.Problem!;
        var (app, _, spec) = running.Value;
        if (await db.MiddlewareBindings.AnyAsync(b => b.InstanceId == instance.Id && b.ApplicationId == app.Id, ct))
            return Problem.Conflict($"'{app.Name}' is bound to '{instance.Name}' already.");
        var variables = preview
            .Value.Select(v =>
                v.SecretKey is null
                    ? new EnvironmentVariable(v.Name, v.Value ?? "")
                    : new EnvironmentVariable(v.Name, "", From: new SecretReference(v.SecretName!, v.SecretKey))
            )
            .ToList();
        var clashes = spec.Environment.Where(e => variables.Any(v => v.Name == e.Name)).Select(e => e.Name).ToList();
        if (clashes.Count > 0)
        {
            return Problem.Invalid(
                "Names",
                $"'{app.Name}' has variable(s) {string.Join(", ", clashes)} of its own "
                    + "already: give the binding's other names."
            );
        }

        var instanceId = instance.Id;
        return await changes.RedeployReboundAsync(
            new RedeployRebound(
                app.Id,
                environment.Name,
                async () =>
                {
                    if (
                        await db.MiddlewareBindings.AnyAsync(
                            b => b.InstanceId == instanceId && b.ApplicationId == app.Id,
                            ct
                        )
                    )
                        return Problem.Conflict($"'{app.Name}' is bound to '{instance.Name}' already.");
                    db.MiddlewareBindings.Add(new MiddlewareBinding(instance, app.Id, variables, actor.Name, Now));
                    audit.Record(
                        actor,
                        tenant,
                        MiddlewareAuditActions.Bound,
                        "middleware",
                        MiddlewareOperations.Target(instance.Name, environment.Name),
                        $"to application '{app.Name}': {string.Join(", ", variables.Select(v => v.Name))}"
                    );
                    return Result.Ok();
                },
                running =>
                    running.WithEnvironment([
                        .. running.Environment.Where(e => variables.All(v => v.Name != e.Name)),
                        .. variables,
                    ]),
                $"binding to {instance.Name}"
            ),
            ct
        );
    }

    public async Task<Result<Operation>> UnbindAsync(
        string? environmentName,
        string? instanceName,
        string? appName,
        CancellationToken ct
    )
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: nothing can be unbound.");
        var found = await db.FindInstanceAsync(environmentName, instanceName, ct);
        if (!found.Succeeded)
            return found.Problem!;
        var (instance, environment) = found.Value;
        var running = await RunningAsync(appName, environment, ct);
        if (!running.Succeeded)
            return running.Problem!;
        var app = running.Value.App;
        var instanceId = instance.Id;
        if (!await db.MiddlewareBindings.AnyAsync(b => b.InstanceId == instanceId && b.ApplicationId == app.Id, ct))
            return Problem.NotFound($"Binding of '{instance.Name}' to '{app.Name}'");
        var names = new HashSet<string>(StringComparer.Ordinal);
        return await changes.RedeployReboundAsync(
            new RedeployRebound(
                app.Id,
                environment.Name,
                async () =>
                {
                    var binding = await db.MiddlewareBindings.FirstOrDefaultAsync(
                        b => b.InstanceId == instanceId && b.ApplicationId == app.Id,
                        ct
                    );
                    if (binding is null)
                        return Problem.NotFound($"Binding of '{instance.Name}' to '{app.Name}'");
                    names.UnionWith(binding.Variables.Select(v => v.Name));
                    db.MiddlewareBindings.Remove(binding);
                    audit.Record(
                        actor,
                        tenant,
                        MiddlewareAuditActions.Unbound,
                        "middleware",
                        MiddlewareOperations.Target(instance.Name, environment.Name),
                        $"from application '{app.Name}'"
                    );
                    return Result.Ok();
                },
                running => running.WithEnvironment(running.Environment.Where(e => !names.Contains(e.Name))),
                $"unbinding from {instance.Name}"
            ),
            ct
        );
    }

    private async Task<Result<(Application App, AppDeployment Deployment, DeploymentSpec Spec)>> RunningAsync(
        string? appName,
        TenantEnvironment environment,
        CancellationToken ct
    )
    {
        var app = await db.Applications.FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.Invalid("App", $"There is no application '{appName}'.");
        var deployment = await db.AppDeployments.FirstOrDefaultAsync(
            d => d.ApplicationId == app.Id && d.EnvironmentId == environment.Id,
            ct
        );
        if (deployment is null || deployment.State == AppDeploymentState.Removing)
            return Problem.Invalid(
                "App",
                $"'{app.Name}' is not deployed to '{environment.Name}': an instance "
                    + "binds only to applications in its own environment."
            );
        var revision = await db
            .Revisions.AsNoTracking()
            .FirstAsync(r => r.ApplicationId == app.Id && r.Number == deployment.Revision, ct);
        return (app, deployment, vault.Open(revision.SealedSpec));
    }

    [System.Text.RegularExpressions.GeneratedRegex("\\A[A-Za-z_][A-Za-z0-9_]*\\z")]
    private static partial System.Text.RegularExpressions.Regex VariableName();
}
