using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clusters;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>
/// A portal without job server or cluster watch, where tests write samples themselves and run the monitoring jobs at
/// chosen times.
/// </summary>
public abstract class MonitoringPortalOn : PortalFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            ["Portal:Monitoring:Notifications:AllowedTargets:0"] = "127.0.0.1",
            ["Portal:Monitoring:Notifications:WebhookFirstRetryDelay"] = "00:00:00.050",
            ["Portal:Monitoring:AlertCoolDown"] = "00:10:00",
        };
}

public sealed class MonitoringSqlitePortal : MonitoringPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class MonitoringPostgresPortal : MonitoringPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>Subjects and samples written straight into the tables, as the sampler would have written them.</summary>
public sealed class MonitoringWorld(PortalFactory factory)
{
    /// <summary>
    /// A minute boundary in the past, so that nothing the tests write is mistaken for the present by a running job.
    /// </summary>
    public static readonly DateTime T0 = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

    public static long Unix(DateTime at) => MetricCharts.Unix(at);

    public async Task<Guid> ClusterAsync()
    {
        var cluster = Cluster
            .Register(Arrange.Unique("c"), null, "https://127.0.0.1:1", "sealed", "v1.31", "test", DateTime.UtcNow)
            .Value;
        await WithDbAsync(async db =>
        {
            db.Clusters.Add(cluster);
            await db.SaveChangesAsync();
        });
        return cluster.Id;
    }

    public async Task<MetricSubject> SubjectAsync(
        Guid clusterId,
        SubjectKind kind,
        string name,
        Tenant? tenant = null,
        string ns = ""
    )
    {
        var subject = new MetricSubject(kind, clusterId, ns, name, tenant?.Id, null);
        await WithDbAsync(async db =>
        {
            db.MetricSubjects.Add(subject);
            await db.SaveChangesAsync();
        });
        return subject;
    }

    /// <summary>
    /// One raw sample a minute from <paramref name="from"/>, each filled in by <paramref name="fill"/> (given the
    /// minute's index).
    /// </summary>
    public Task SamplesAsync(MetricSubject subject, DateTime from, int minutes, Action<int, RawSample> fill) =>
        WithDbAsync(async db =>
        {
            for (var i = 0; i < minutes; i++)
            {
                var sample = new RawSample { SubjectId = subject.Id, At = Unix(from.AddMinutes(i)) };
                fill(i, sample);
                db.MetricSamples.Add(sample);
            }
            var sampled = await db.MetricSubjects.SingleAsync(s => s.Id == subject.Id);
            sampled.Sampled(Unix(from.AddMinutes(minutes - 1)));
            await db.SaveChangesAsync();
        });

    public async Task<TResult> RunAsync<TService, TResult>(Func<TService, Task<TResult>> run)
        where TService : notnull
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>
    /// Runs a use case as <paramref name="actor"/> in <paramref name="tenant"/>, as a request of theirs would.
    /// </summary>
    public async Task<TResult> RunAsync<TService, TResult>(
        Domain.Audit.Actor actor,
        Tenant tenant,
        Func<TService, Task<TResult>> run
    )
        where TService : notnull
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await run(scope.ServiceProvider.ActingAs(actor, tenant).GetRequiredService<TService>());
    }

    public async Task WithDbAsync(Func<PortalDbContext, Task> work)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }

    public async Task<T> QueryAsync<T>(Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<PortalDbContext>());
    }
}
