using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain.Middleware;
using Portal.Domain.Operations;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Middleware;

/// <summary>
/// Live middleware instances: a member of a tenant follows one of its instances and receives it again each time an
/// operation on it (provisioning, a change, a restart) moves on, like application pages follow their applications.
/// Browsers come with their session cookie, tools with a bearer token; every call checks membership afresh, and a
/// member removed or given a lower role loses the connection at once through
/// <see cref="Tenancy.LiveTenantConnections"/>.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application," + IdentitySetup.Bearer)]
public sealed class InstancesHub(
    TenantAccessResolver access,
    InstanceDirectory directory,
    Tenancy.LiveTenantConnections connections
) : Hub
{
    public const string Path = "/hubs/instances";
    public const string InstanceChanged = "instanceChanged";

    /// <summary>
    /// Joins the instance's group, then answers with the instance as it is now, so that nothing that changed between
    /// rendering the page and joining is missed. Asked again, it answers afresh (the page does so when an operation on
    /// the instance ends).
    /// </summary>
    public async Task<InstanceLiveView> Follow(string tenant, string environment, string instance)
    {
        var ct = Context.ConnectionAborted;
        var found = await connections.JoinAsync(Context, access, tenant, ct);
        var view = await directory.FindAsync(environment, instance, ct)
            ?? throw new HubException(
                $"Instance '{instance}' was not found in environment '{environment}' of tenant '{tenant}'."
            );
        await Groups.AddToGroupAsync(Context.ConnectionId, Group(found.Tenant.Id, view.Name, view.Environment), ct);
        return InstanceLiveView.Of(view);
    }

    /// <summary>
    /// The group of one instance: its tenant, and the target its operations name ("{instance}/{environment}").
    /// </summary>
    public static string Group(Guid tenantId, string instance, string environment) =>
        $"instance:{tenantId:N}:{instance}/{environment}";

    internal static bool IsAbout(Operation operation) => OperationKinds.OnMiddleware.Contains(operation.Kind);
}

/// <summary>What the instance page shows live: its state and why, its endpoint, and its pods.</summary>
public sealed record InstanceLiveView(
    string Name,
    string Environment,
    InstanceState State,
    string? Reason,
    string? Endpoint,
    int Replicas,
    IReadOnlyList<InstanceLivePod> Pods
)
{
    public static InstanceLiveView Of(InstanceView view) =>
        new(
            view.Name,
            view.Environment,
            view.State,
            view.Reason,
            view.Endpoint,
            view.Replicas,
            view.Pods.Select(p => new InstanceLivePod(p.Name, p.Ready, p.Phase, p.Restarts, p.Reason, p.Node)).ToList()
        );
}

public sealed record InstanceLivePod(string Name, bool Ready, string Phase, int Restarts, string? Reason, string? Node);
