using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain.Operations;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Environments;

/// <summary>
/// Live operations: a member follows their tenant and receives its operations as their steps advance. Browsers
/// come with their session cookie, tools (the CLI, service accounts) with a bearer token.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application," + IdentitySetup.Bearer)]
public sealed class OperationsHub(
    TenantAccessResolver access,
    EnvironmentDirectory environments,
    Tenancy.LiveTenantConnections connections
) : Hub
{
    public const string Path = "/hubs/operations";

    /// <summary>
    /// Joins the tenant's group, then answers with its recent operations as they are now, so that nothing that
    /// changed between rendering the page and joining is missed.
    /// </summary>
    public async Task<IReadOnlyList<OperationUpdate>> Follow(string tenant)
    {
        var found = await connections.JoinAsync(Context, access, tenant, Context.ConnectionAborted);
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(found.Tenant.Id), Context.ConnectionAborted);
        return (await environments.OperationsAsync(100, Context.ConnectionAborted))
            .Select(o => new OperationUpdate(o.Id, o.Kind, o.TargetId, o.State.ToString(), o.Error, o.Steps))
            .ToList();
    }

    public static string Group(Guid tenantId) => $"tenant:{tenantId:N}";
}

/// <summary>An operation as the operations page shows it, pushed as it changes.</summary>
public sealed record OperationUpdate(
    Guid Id,
    string Kind,
    string TargetId,
    string State,
    string? Error,
    IReadOnlyList<OperationStep> Steps
);

/// <summary>
/// Pushes an operation to its tenant's followers, an operation on a middleware instance to the followers of that
/// instance too, and a build's operation to the followers of that build.
/// </summary>
internal sealed class SignalROperationProgress(
    IHubContext<OperationsHub> hub,
    IHubContext<Middleware.InstancesHub> instances,
    IHubContext<Builds.BuildsHub> builds,
    IHubContext<Clouds.CloudHostsHub> cloudHosts
) : IOperationProgress
{
    public async Task ReportAsync(Operation operation, CancellationToken ct)
    {
        var update = new OperationUpdate(
            operation.Id,
            operation.Kind,
            operation.TargetId,
            operation.State.ToString(),
            operation.Error,
            operation.Steps.ToList()
        );
        if (operation.TenantId is not { } tenantId)
        {
            // A platform operation (a pool's hosts): only the platform admins following hosts hear of it.
            if (Clouds.CloudHostsHub.IsAbout(operation))
                await cloudHosts
                    .Clients.Group(Clouds.CloudHostsHub.Group)
                    .SendAsync(Clouds.CloudHostsHub.HostOperationChanged, update, ct);
            return;
        }
        await hub.Clients.Group(OperationsHub.Group(tenantId)).SendAsync("operationChanged", update, ct);
        if (
            Middleware.InstancesHub.IsAbout(operation)
            && operation.TargetId.Split('/', 2) is [var instance, var environment]
        )
        {
            await instances
                .Clients.Group(Middleware.InstancesHub.Group(tenantId, instance, environment))
                .SendAsync(Middleware.InstancesHub.InstanceChanged, update, ct);
        }
        if (Builds.BuildsHub.IsAbout(operation))
            await builds
                .Clients.Group(Builds.BuildsHub.OperationGroup(operation.Id))
                .SendAsync(Builds.BuildsHub.BuildChanged, update, ct);
    }
}
