namespace Portal.Infrastructure.Tenancy;

/// <summary>
/// The live connections (SignalR) through which callers follow a tenant's data or read its logs. Access is checked when
/// a connection joins; when a caller's standing in the tenant changes, their connections to it are ended here at once,
/// so that nothing keeps flowing on the strength of a check made before.
/// </summary>
public interface ITenantConnections
{
    /// <summary>
    /// Ends every live connection through which <paramref name="caller"/> follows the tenant or reads its logs.
    /// </summary>
    Task EndAsync(Guid tenantId, Caller caller, CancellationToken ct);
}

/// <summary>For hosts without hubs (jobs, tools): there is nothing live to end.</summary>
internal sealed class NoTenantConnections : ITenantConnections
{
    public Task EndAsync(Guid tenantId, Caller caller, CancellationToken ct) => Task.CompletedTask;
}
