using Microsoft.EntityFrameworkCore;
using Portal.Domain.Common;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring.Dashboards;

/// <summary>
/// Charts of a subject named as the API and pages name it (a cluster, or an environment, application or middleware
/// instance of the tenant in scope): the range is checked, the names resolved, and what is not there answered as not
/// found.
/// </summary>
public sealed class SubjectCharts(PortalDbContext db, MetricCharts charts)
{
    public async Task<Result<ChartSet>> ClusterAsync(string cluster, string? range, CancellationToken ct)
    {
        if (ChartRange.Parse(range) is not { } chartRange)
            return RangeProblem(range);
        var clusterId = await db
            .Clusters.Where(c => c.Name == cluster)
            .Select(c => (Guid?)c.Id)
            .FirstOrDefaultAsync(ct);
        return clusterId is null
            ? Problem.NotFound($"Cluster '{cluster}'")
            : await charts.ForClusterAsync(clusterId.Value, chartRange, ct);
    }

    public async Task<Result<ChartSet>> EnvironmentAsync(
        Guid tenantId,
        string environment,
        string? range,
        CancellationToken ct
    )
    {
        if (ChartRange.Parse(range) is not { } chartRange)
            return RangeProblem(range);
        return await EnvironmentIdAsync(environment, ct) is { } environmentId
            ? await charts.ForEnvironmentAsync(tenantId, environmentId, chartRange, ct)
            : Problem.NotFound($"Environment '{environment}'");
    }

    /// <summary>The application's workload in the environment, with its deploys there marked.</summary>
    public async Task<Result<ChartSet>> ApplicationAsync(
        Guid tenantId,
        string app,
        string? environment,
        string? range,
        CancellationToken ct
    )
    {
        if (ChartRange.Parse(range) is not { } chartRange)
            return RangeProblem(range);
        if (string.IsNullOrEmpty(environment))
            return EnvironmentProblem;
        var applicationId = await db
            .Applications.AsNoTracking()
            .Where(a => a.Name == app)
            .Select(a => (Guid?)a.Id)
            .FirstOrDefaultAsync(ct);
        if (applicationId is null)
            return Problem.NotFound($"Application '{app}'");
        return await EnvironmentIdAsync(environment, ct) is { } environmentId
            ? await charts.ForWorkloadAsync(tenantId, environmentId, app, applicationId, chartRange, ct)
            : Problem.NotFound($"Environment '{environment}'");
    }

    public async Task<Result<ChartSet>> InstanceAsync(
        Guid tenantId,
        string instance,
        string? environment,
        string? range,
        CancellationToken ct
    )
    {
        if (ChartRange.Parse(range) is not { } chartRange)
            return RangeProblem(range);
        if (string.IsNullOrEmpty(environment))
            return EnvironmentProblem;
        var environmentId = await (
            from i in db.MiddlewareInstances.AsNoTracking()
            join e in db.Environments on i.EnvironmentId equals e.Id
            where i.Name == instance && e.Name == environment
            select (Guid?)e.Id
        ).FirstOrDefaultAsync(ct);
        return environmentId is null
            ? Problem.NotFound($"Middleware instance '{instance}' in environment '{environment}'")
            : await charts.ForWorkloadAsync(tenantId, environmentId.Value, instance, null, chartRange, ct);
    }

    private static Problem RangeProblem(string? range) =>
        Problem.Invalid("Range", $"'{range}' is not a range; choose one of {ChartRange.Names}.");

    private static Problem EnvironmentProblem =>
        Problem.Invalid("Environment", "Name the environment whose charts to show.");

    private Task<Guid?> EnvironmentIdAsync(string environment, CancellationToken ct) =>
        db
            .Environments.AsNoTracking()
            .Where(e => e.Name == environment)
            .Select(e => (Guid?)e.Id)
            .FirstOrDefaultAsync(ct);
}
