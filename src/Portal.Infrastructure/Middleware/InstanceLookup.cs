using Microsoft.EntityFrameworkCore;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Middleware;

internal static class InstanceLookup
{
    /// <summary>
    /// An instance of the tenant in scope, by its environment and name, tracked with its environment.
    /// </summary>
    public static async Task<Result<(MiddlewareInstance Instance, TenantEnvironment Environment)>> FindInstanceAsync(
        this PortalDbContext db,
        string? environmentName,
        string? instanceName,
        CancellationToken ct
    )
    {
        var found = await (
            from i in db.MiddlewareInstances
            join e in db.Environments on i.EnvironmentId equals e.Id
            where e.Name == environmentName && i.Name == instanceName
            select new { i, e }
        ).FirstOrDefaultAsync(ct);
        return found is null
            ? Problem.NotFound($"Instance '{instanceName}' in '{environmentName}'")
            : (found.i, found.e);
    }
}
