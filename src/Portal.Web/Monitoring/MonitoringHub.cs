using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Monitoring;

/// <summary>
/// Live dashboards and charts: a browser watches a scope, "platform" (platform admins) or "tenant:{slug}" (that
/// tenant's members), and hears <see cref="SamplesTaken"/> when new samples were taken and <see cref="AlertsChanged"/>
/// when alerts fired, resolved or were silenced; it then reads what changed through the API, as it did to draw the
/// page.
/// </summary>
[Authorize(AuthenticationSchemes = "Identity.Application," + IdentitySetup.Bearer)]
public sealed class MonitoringHub(TenantAccessResolver access, Tenancy.LiveTenantConnections connections) : Hub
{
    public const string Path = "/hubs/monitoring";
    public const string SamplesTaken = "SamplesTaken";
    public const string AlertsChanged = "AlertsChanged";
    public const string PlatformScope = "platform";
    public const string TenantScopePrefix = "tenant:";
    public const string PlatformGroup = "platform";

    public async Task Watch(string scope)
    {
        if (scope == PlatformScope)
        {
            if (!Context.User!.IsPlatformAdmin())
                throw new HubException("Only platform admins may watch the platform.");
            await Groups.AddToGroupAsync(Context.ConnectionId, PlatformGroup, Context.ConnectionAborted);
            return;
        }
        var slug = scope.StartsWith(TenantScopePrefix, StringComparison.Ordinal)
            ? scope[TenantScopePrefix.Length..]
            : null;
        var mark = connections.Mark();
        var found = slug is null
            ? null
            : await access.ResolveAsync(slug, Context.User!.ToCaller(), Context.ConnectionAborted);
        if (found is null)
            throw new HubException(
                $"'{scope}' cannot be watched: name \"platform\" or \"tenant:<slug>\" of a tenant you are a member of."
            );
        connections.Track(Context, found.Tenant.Id, mark);
        await Groups.AddToGroupAsync(Context.ConnectionId, TenantGroup(found.Tenant.Id), Context.ConnectionAborted);
    }

    public static string TenantGroup(Guid tenantId) => $"tenant:{tenantId:N}";
}

/// <summary>
/// Tells the platform's watchers, and those of each tenant concerned, that samples were taken or alerts changed.
/// </summary>
internal sealed class SignalRMonitoringNotifier(IHubContext<MonitoringHub> hub) : IMonitoringNotifier
{
    public Task SamplesTakenAsync(long at, IReadOnlyCollection<Guid> tenantIds, CancellationToken ct) =>
        SendAsync(MonitoringHub.SamplesTaken, new SamplesTakenMessage(at), tenantIds, ct);

    public Task AlertsChangedAsync(IReadOnlyCollection<Guid> tenantIds, CancellationToken ct) =>
        SendAsync(MonitoringHub.AlertsChanged, new AlertsChangedMessage(), tenantIds, ct);

    private Task SendAsync(string method, object message, IReadOnlyCollection<Guid> tenantIds, CancellationToken ct) =>
        hub
            .Clients.Groups([MonitoringHub.PlatformGroup, .. tenantIds.Select(MonitoringHub.TenantGroup)])
            .SendAsync(method, message, ct);
}

/// <summary>The time of the samples taken, in unix seconds.</summary>
public sealed record SamplesTakenMessage(long At);

public sealed record AlertsChangedMessage;
