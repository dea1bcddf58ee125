using Hangfire;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Administration;
using Portal.Web.Identity;

namespace Portal.Web.Common;

/// <summary>Bound from <c>Portal:Jobs</c>.</summary>
public sealed class JobsOptions
{
    public const string Section = "Portal:Jobs";

    /// <summary>Run a job server in this process (every replica may).</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>Jobs run at once; a deploy holds one only while it applies or looks at its rollout.</summary>
    public int Workers { get; set; } = 10;

    /// <summary>
    /// With PostgreSQL storage: how long a job taken by a worker stays hidden from the other workers unless the worker
    /// keeps it (its server renews it while the job runs); a job whose server died is run again after it.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// With PostgreSQL storage: the server renews the invisibility of each job it runs, for as long as the job runs.
    /// Off, a job that runs longer than <see cref="InvisibilityTimeout"/> is started again beside itself: the portal
    /// then refuses to start unless the timeout outlasts its longest job (<see cref="LongestJobs"/>).
    /// </summary>
    public bool SlidingInvisibilityTimeout { get; set; } = true;
}

/// <summary>
/// Hangfire: every change to the outside world and every recurring check runs as a job. Jobs are kept in
/// PostgreSQL in production, so that replicas share them; the embedded SQLite mode keeps them in memory.
/// </summary>
public static class JobsSetup
{
    public const string DashboardPath = "/admin/jobs";

    public static IServiceCollection AddPortalJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var jobs = configuration.GetSection(JobsOptions.Section).Get<JobsOptions>() ?? new JobsOptions();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()
            ?? new DatabaseOptions();
        // One storage per host, made when first needed (after migrations have created the database): Hangfire's
        // own registration hands out its static JobStorage.Current, which hosts in one process (test hosts) would
        // share and dispose under each other.
        // A long job (a build, a host's provisioning) stays hidden from other workers for as long as its server lives:
        // the invisibility timeout slides. It only decides when the job of a server that died is run again.
        var storageOptions = new PostgreSqlStorageOptions
        {
            InvisibilityTimeout = jobs.InvisibilityTimeout,
            UseSlidingInvisibilityTimeout = jobs.SlidingInvisibilityTimeout,
        };
        services.AddSingleton<JobStorage>(_ =>
            database.Provider == DatabaseProvider.Postgres
                ? new PostgreSqlStorage(
                    new NpgsqlConnectionFactory(
                        database.PostgresConnectionString(configuration.GetConnectionString("Portal")!),
                        storageOptions
                    ),
                    storageOptions
                )
                : new Hangfire.InMemory.InMemoryStorage()
        );
        services
            .AddOptions<JobsOptions>()
            .Bind(configuration.GetSection(JobsOptions.Section))
            .Validate<IOptions<OperationOptions>>(
                (jobsOptions, operations) => operations.Value.StalledAfter < jobsOptions.InvisibilityTimeout,
                "Portal:Operations:StalledAfter must be shorter than Portal:Jobs:InvisibilityTimeout: otherwise an "
                    + "operation whose run died is queued again while its job is still hidden from the workers."
            )
            .Validate<
                IOptions<GitOptions>,
                IOptions<BuildahOptions>,
                IOptions<KubernetesJobOptions>,
                IOptions<CloudOptions>
            >(
                (jobsOptions, git, buildah, kubernetesJob, clouds) =>
                    jobsOptions.SlidingInvisibilityTimeout
                    || LongestJobs.Longest(git.Value, buildah.Value, kubernetesJob.Value, clouds.Value).Longest
                        < jobsOptions.InvisibilityTimeout,
                "With Portal:Jobs:SlidingInvisibilityTimeout off, Portal:Jobs:InvisibilityTimeout must be longer "
                    + "than the longest job (see LongestJobs: a build, a host's provisioning), or a job still "
                    + "running is started again beside itself."
            )
            .ValidateOnStart();
        // The client, the recurring job manager and the server's activator are bound to this host's storage and
        // services explicitly, for the same reason (Hangfire's defaults fall back to its static globals).
        services.AddSingleton<IBackgroundJobClient>(provider => new BackgroundJobClient(
            provider.GetRequiredService<JobStorage>()
        ));
        services.AddSingleton<IRecurringJobManager>(provider => new RecurringJobManager(
            provider.GetRequiredService<JobStorage>()
        ));
        services.AddHangfire(
            (provider, hangfire) =>
                hangfire
                    .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
                    .UseSimpleAssemblyNameTypeSerializer()
                    .UseRecommendedSerializerSettings()
                    .UseStorage(provider.GetRequiredService<JobStorage>())
                    .UseLogProvider(new HostBoundLogProvider(provider.GetRequiredService<ILoggerFactory>()))
        );
        if (jobs.RunServer)
        {
            services.AddHangfireServer(
                (provider, server) =>
                {
                    server.WorkerCount = Math.Max(1, jobs.Workers);
                    // A pipeline run's next look is a scheduled job: it is picked up within this.
                    server.SchedulePollingInterval = TimeSpan.FromSeconds(2);
                    server.Activator = new Hangfire.AspNetCore.AspNetCoreJobActivator(
                        provider.GetRequiredService<IServiceScopeFactory>()
                    );
                }
            );
        }
        return services;
    }

    public static void MapPortalJobs(this WebApplication app)
    {
        app.UseHangfireDashboard(
            DashboardPath,
            new DashboardOptions
            {
                Authorization = [new PlatformAdminOnly()],
                DashboardTitle = "Developer center jobs",
                AppPath = AdministrationRoutes.OverviewUrl(),
            }
        );
        var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
        recurring.AddOrUpdate<ClusterJobs>(
            "cluster-health",
            jobs => jobs.CheckHealthAsync(CancellationToken.None),
            Cron.Minutely()
        );
        recurring.AddOrUpdate<Infrastructure.Clouds.Hosts.OrphanReconciler>(
            "cloud-orphans",
            jobs => jobs.ScanAllAsync(CancellationToken.None),
            Cron.Hourly()
        );
        recurring.RemoveIfExists("node-metrics");
        recurring.AddOrUpdate<Infrastructure.Monitoring.MonitoringJobs>(
            "metrics",
            jobs => jobs.SampleAndEvaluateAsync(CancellationToken.None),
            Cron.Minutely()
        );
        recurring.AddOrUpdate<Infrastructure.Monitoring.MetricsCompaction>(
            "metrics-compaction",
            jobs => jobs.RunAsync(CancellationToken.None),
            "*/5 * * * *"
        );
        recurring.AddOrUpdate<Pipelines.RunJobs>(
            "pipeline-runs-sweep",
            jobs => jobs.SweepAsync(CancellationToken.None),
            Cron.Minutely()
        );
        recurring.AddOrUpdate<Infrastructure.Operations.OperationSweeper>(
            "operation-sweep",
            jobs => jobs.RunAsync(CancellationToken.None),
            app.Services.GetRequiredService<IOptions<OperationOptions>>().Value.SweepSchedule
        );
        recurring.AddOrUpdate<Infrastructure.Environments.EnvironmentDriftRepair>(
            "environment-drift",
            jobs => jobs.RunAsync(CancellationToken.None),
            "*/5 * * * *"
        );
        recurring.AddOrUpdate<Infrastructure.Pipelines.PipelineTriggerJobs>(
            "pipeline-triggers",
            jobs => jobs.RunAsync(CancellationToken.None),
            Cron.Minutely()
        );
    }

    private sealed class PlatformAdminOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsPlatformAdmin();
    }
}
