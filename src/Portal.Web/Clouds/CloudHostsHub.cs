using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Domain.Operations;

namespace Portal.Web.Clouds;

/// <summary>
/// Live provisioned hosts: platform admins follow the host operations (platform operations, of no tenant) as their
/// steps are recorded. Tenants' operation groups never receive them.
/// </summary>
[Authorize(Tenancy.TenantPolicies.PlatformAdmin)]
public sealed class CloudHostsHub : Hub
{
    public const string Path = "/hubs/cloud-hosts";
    public const string Group = "platform:host-operations";
    public const string HostOperationChanged = "hostOperationChanged";

    public Task Follow() => Groups.AddToGroupAsync(Context.ConnectionId, Group, Context.ConnectionAborted);

    public static bool IsAbout(Operation operation) => operation.TenantId is null && operation.TargetType == "host";
}
