using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Web.Applications;
using Portal.Web.Environments;
using Portal.Web.Monitoring;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Tenancy;

/// <summary>
/// A member removed from a tenant, or given a lower role, loses at once what they hold open over SignalR in it: live
/// log streams and the tenant's groups, on every hub. Their browser reconnects and is authorized afresh.
/// </summary>
public sealed class MemberConnectionScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxApps Apps => new(portal.Factory);

    [Fact]
    public async Task A_removed_member_loses_their_live_log_stream_and_the_tenants_groups_at_once()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        var member = await Arrange.MemberAsync(deployed.Tenant, TenantRole.Developer);
        var token = await UserTokenAsync(member);
        await using var applications = await Apps.ConnectAsync(ApplicationsHub.Path, token);
        await using var operations = await Apps.ConnectAsync(OperationsHub.Path, token);
        var applicationsClosed = ClosedAsync(applications);
        var operationsClosed = ClosedAsync(operations);
        await applications.InvokeAsync<List<EnvironmentStatus>>("Follow", deployed.Tenant.Slug, deployed.App);
        await operations.InvokeAsync<List<OperationUpdate>>("Follow", deployed.Tenant.Slug);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var log = applications
            .StreamAsync<string>("StreamLog", deployed.Tenant.Slug, deployed.App, "dev", pod, null, false, stop.Token)
            .GetAsyncEnumerator(stop.Token);
        Assert.True(await log.MoveNextAsync());
        var admin = await Arrange.ApiClientAsync(
            await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.TenantAdmin)
        );

        var removed = await admin.DeleteAsync($"/api/v1/tenants/{deployed.Tenant.Slug}/members/{member.Id}");
        var ended = await EndsAsync(log, stop.Token);
        await applicationsClosed.WaitAsync(TimeSpan.FromSeconds(10));
        await operationsClosed.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.True(ended, "the log stream outlived the membership");
        await using var again = await Apps.ConnectAsync(ApplicationsHub.Path, token);
        var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() =>
            again.InvokeAsync<List<EnvironmentStatus>>("Follow", deployed.Tenant.Slug, deployed.App)
        );
        Assert.Contains("not a member", refused.Message);
    }

    [Fact]
    public async Task A_member_whose_role_is_lowered_loses_their_live_connections_to_the_tenant_at_once()
    {
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.MemberAsync(tenant, TenantRole.Developer);
        await using var monitoring = await Apps.ConnectAsync(MonitoringHub.Path, await UserTokenAsync(member));
        var closed = ClosedAsync(monitoring);
        await monitoring.InvokeAsync("Watch", $"tenant:{tenant.Slug}");
        var admin = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        var lowered = await admin.PatchAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/members/{member.Id}",
            new { role = "Viewer" }
        );

        Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        await closed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_member_removed_from_another_tenant_keeps_their_live_connections_to_this_one()
    {
        var tenant = await Arrange.TenantAsync();
        var other = await Arrange.TenantAsync();
        var member = await Arrange.MemberAsync(tenant, TenantRole.Viewer);
        await using (var scope = portal.Factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Infrastructure.Persistence.PortalDbContext>();
            db.Memberships.Add(new TenantMembership(other.Id, member.Id, TenantRole.Viewer, DateTime.UtcNow));
            await db.SaveChangesAsync();
        }
        await using var monitoring = await Apps.ConnectAsync(MonitoringHub.Path, await UserTokenAsync(member));
        var closed = ClosedAsync(monitoring);
        await monitoring.InvokeAsync("Watch", $"tenant:{tenant.Slug}");
        var otherAdmin = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(other, TenantRole.TenantAdmin));

        var removed = await otherAdmin.DeleteAsync($"/api/v1/tenants/{other.Slug}/members/{member.Id}");
        await Task.Delay(TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.False(closed.IsCompleted, "a connection to a tenant the member still belongs to was ended");
        Assert.Equal(HubConnectionState.Connected, monitoring.State);
    }

    private async Task<string> UserTokenAsync(TestUser user)
    {
        var api = await Arrange.UserApiClientAsync(await Arrange.SignedInAsync(user));
        return api.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    private static Task ClosedAsync(HubConnection connection)
    {
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        return closed.Task;
    }

    /// <summary>
    /// Reads the stream until it ends, by completing or by failing; false when the test's deadline came first.
    /// </summary>
    private static async Task<bool> EndsAsync(IAsyncEnumerator<string> stream, CancellationToken deadline)
    {
        try
        {
            while (await stream.MoveNextAsync()) { }
            return true;
        }
        catch (Exception) when (!deadline.IsCancellationRequested)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
