using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Clusters;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Monitoring.Sources;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure;

public static class DependencyInjection
{
    public const string SqliteMigrations = "Portal.Migrations.Sqlite";
    public const string PostgresMigrations = "Portal.Migrations.Postgres";

    /// <summary>Registers persistence, Data Protection and the use cases of every feature.</summary>
    public static IServiceCollection AddPortalInfrastructure(
        this IServiceCollection services,
        IConfiguration configuration,
        string contentRoot
    )
    {
        services
            .AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services
            .AddOptions<AdminOptions>()
            .Bind(configuration.GetSection(AdminOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Email), "Portal:Admin:Email must not be empty.")
            .ValidateOnStart();

        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>()
            ?? new DatabaseOptions();
        var connectionString = configuration.GetConnectionString("Portal");
        services.AddDbContext<PortalDbContext>(options =>
        {
            ConfigureProvider(
                options,
                database.Provider,
                database.Provider == DatabaseProvider.Postgres && !string.IsNullOrWhiteSpace(connectionString)
                    ? database.PostgresConnectionString(connectionString)
                    : connectionString,
                contentRoot
            );
            options.UseOpenIddict();
        });

        services.AddSingleton(TimeProvider.System);
        services.AddScoped<TenantScope>();
        services.AddScoped<ICurrentTenant>(provider => provider.GetRequiredService<TenantScope>());
        services.AddScoped<CurrentActor>();
        services.AddScoped<Domain.Audit.ICurrentActor>(provider => provider.GetRequiredService<CurrentActor>());
        services.AddScoped<TenantAccessResolver>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditLog>();
        services.AddScoped<TenantAdministration>();
        services.AddOperationRunner<DeleteTenantRunner>();
        services.AddScoped<Onboarding.PlatformSetup>();
        services.AddScoped<MemberDirectory>();
        services.AddSingleton<ITenantConnections, NoTenantConnections>();
        services.AddScoped<InvitationAcceptance>();
        services.AddScoped<InvitationMailer>();
        services.AddScoped<ServiceAccounts>();
        services.AddScoped<FirstAdmin>();
        services.AddScoped<DatabaseMigrator>();
        services.AddSingleton<OidcKeyRing>();

        services
            .AddOptions<ClusterOptions>()
            .Bind(configuration.GetSection(ClusterOptions.Section))
            .Validate(
                o =>
                    o.FlushInterval > TimeSpan.Zero
                    && o.ProbeTimeout > TimeSpan.Zero
                    && o.LeaseDuration >= TimeSpan.FromSeconds(1)
                    && o.HandOverAfterFailures >= 1,
                "Portal:Clusters:FlushInterval and ProbeTimeout must be positive, "
                    + "LeaseDuration at least a second, HandOverAfterFailures at least 1."
            )
            .ValidateOnStart();
        services.AddMetrics();
        services.AddSingleton<ClusterWatchMetrics>();
        services.AddSingleton<KubeconfigVault>();
        services.AddSingleton<KubernetesClients>();
        services.AddSingleton<IClusterGateway, KubernetesClusterGateway>();
        services.AddSingleton<IHostChangeNotifier, NoHostChangeNotifier>();
        services.AddSingleton<IWorkloadChangeNotifier, NoWorkloadChangeNotifier>();
        services.AddSingleton<ClusterWatcher>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterWatcher>());
        services.AddScoped<ClusterWatchLeases>();
        services.AddScoped<ClusterRegistry>();
        services.AddScoped<ClusterFreshness>();
        services.AddScoped<HostInventory>();
        services.AddScoped<ClusterJobs>();
        services.AddScoped<Quotas.PoolCatalog>();
        services
            .AddOptions<Environments.NamespaceOptions>()
            .Bind(configuration.GetSection(Environments.NamespaceOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<
            Microsoft.Extensions.Options.IValidateOptions<Environments.NamespaceOptions>,
            Environments.NamespaceOptionsValidation
        >();
        services.AddSingleton(provider =>
            Domain
                .Environments.ReservedNamespaces.Parse(
                    provider
                        .GetRequiredService<Microsoft.Extensions.Options.IOptions<Environments.NamespaceOptions>>()
                        .Value.AllReserved()
                )
                .Value
        );
        services.AddScoped<Quotas.QuotaLock>();
        services.AddScoped<Environments.WorkloadHoldings>();
        services.AddScoped<Quotas.PoolNodeTaints>();
        services.AddScoped<Environments.EnvironmentDirectory>();
        services.AddScoped<Environments.EnvironmentProvisioner>();
        services.AddOperationRunner<Environments.CreateEnvironmentRunner>();
        services.AddOperationRunner<Environments.UpdateEnvironmentQuotaRunner>();
        services.AddOperationRunner<Environments.DeleteEnvironmentRunner>();
        services.AddSingleton<Domain.Operations.IOperationProgress, Environments.NoOperationProgress>();
        services.AddScoped<Environments.EnvironmentDriftRepair>();
        services
            .AddOptions<Operations.OperationOptions>()
            .Bind(configuration.GetSection(Operations.OperationOptions.Section))
            .Validate(
                o => o.QueuedFor > TimeSpan.Zero && o.StalledAfter > TimeSpan.Zero,
                "Portal:Operations:QueuedFor and StalledAfter must be positive."
            )
            .ValidateOnStart();
        services.AddScoped<Operations.OperationSweeper>();
        services.AddSingleton<Operations.OperationSupervisor>();
        services.AddScoped<Operations.OperationJob>();
        services.AddSingleton<Applications.SpecVault>();
        services.AddScoped<Applications.AppStatusReader>();
        services.AddScoped<Applications.PodLogs>();
        services
            .AddOptions<Applications.LogOptions>()
            .Bind(configuration.GetSection(Applications.LogOptions.Section))
            .Validate(
                o => o.IsValid(),
                "Portal:Logs: MaxLineLength is at least 80, MaxDownloadBytes and "
                    + "MaxStreamBytes at least MaxLineLength, "
                    + "StreamsPerUser at least 1 and StreamsPerTenant at least StreamsPerUser."
            )
            .ValidateOnStart();
        services.AddSingleton<Applications.LogReaders>();
        services
            .AddOptions<Applications.ApplicationOptions>()
            .Bind(configuration.GetSection(Applications.ApplicationOptions.Section))
            .Validate(
                o =>
                    o.RolloutTimeout > TimeSpan.Zero
                    && o.FailFastAfter >= TimeSpan.Zero
                    && o.RecheckEvery > TimeSpan.Zero,
                "Portal:Applications:RolloutTimeout and RecheckEvery must be positive, FailFastAfter not negative."
            )
            .ValidateOnStart();
        services.AddOptions<Builds.RecipeOptions>().Bind(configuration.GetSection(Builds.RecipeOptions.Section));
        services
            .AddOptions<Builds.BaseImageOptions>()
            .Bind(configuration.GetSection(Builds.BaseImageOptions.Section))
            .PostConfigure<IOptions<Builds.Registry.RegistryOptions>>(
                (o, registry) =>
                    o.Source ??= registry.Value.Embedded ? Builds.BaseImageSource.Local : Builds.BaseImageSource.Public
            )
            .Validate(o => o.Invalid() is null, "Portal:Builds:BaseImages holds a setting that is not valid.")
            .ValidateOnStart();
        services.AddSingleton(provider =>
        {
            // Local base images without Portal:Builds:BaseImages:Registry are in the portal's own registry, whose
            // address (the embedded one's port) is known once it started.
            var registry = provider.GetRequiredService<Builds.Registry.RegistryConnection>();
            return Builds
                .RecipeCatalog.FromSettings(
                    provider.GetRequiredService<IOptions<Builds.RecipeOptions>>().Value,
                    provider.GetRequiredService<IOptions<Builds.BaseImageOptions>>().Value
                )
                .UsingRegistry(() => registry.Endpoint() is { Succeeded: true } endpoint ? endpoint.Value.Host : null);
        });
        services
            .AddOptions<Middleware.CatalogOptions>()
            .Bind(configuration.GetSection(Middleware.CatalogOptions.Section));
        services.AddSingleton<Domain.Middleware.ITemplateCheck>(Middleware.TemplateValidation.Instance);
        services.AddScoped<Middleware.CatalogSeeder>();
        services.AddScoped<Middleware.MiddlewareCatalog>();
        services
            .AddOptions<Applications.IngressOptions>()
            .Bind(configuration.GetSection(Applications.IngressOptions.Section))
            .Configure(o => o.PublicUrl = configuration["Portal:PublicUrl"])
            .Validate(
                o => o.Invalid() is null,
                "Portal:Ingress:ReservedHosts must hold host names or '*.domain', and "
                    + "Portal:PublicUrl an absolute http(s) URL."
            )
            .ValidateOnStart();
        services.AddScoped<Applications.IngressClaims>();
        services.AddScoped<Applications.ApplicationCatalog>();
        services.AddSingleton<Applications.AdmissionGate>();
        services.AddScoped<Applications.ApplicationChanges>();
        services.AddScoped<Applications.ApplicationDeployer>();
        services.AddSingleton<Applications.RolloutTroubles>();
        services.AddScoped<Clusters.IWorkloadPodsObserver, Applications.RolloutWakeups>();
        services.AddOperationRunner<Applications.DeployApplicationRunner>();
        services.AddOperationRunner<Applications.ScaleApplicationRunner>();
        services.AddOperationRunner<Applications.RestartApplicationRunner>();
        services.AddOperationRunner<Applications.DeleteApplicationRunner>();
        services.AddOperationRunner<Builds.Runs.BuildApplicationRunner>();
        services.AddScoped<Applications.EnvironmentTruths>();
        services.AddScoped<Applications.WorkingSpecReset>();
        services.AddScoped<Applications.DeployedManifests>();
        services.AddSingleton<Middleware.CredentialVault>();
        services.AddScoped<Middleware.MiddlewareHoldings>();
        services.AddScoped<Middleware.MiddlewareBindings>();
        services.AddScoped<Middleware.InstanceChanges>();
        services.AddScoped<Middleware.InstanceDirectory>();
        services.AddScoped<Middleware.InstanceProvisioner>();
        services.AddOperationRunner<Middleware.ProvisionInstanceRunner>();
        services.AddOperationRunner<Middleware.UpdateInstanceRunner>();
        services.AddOperationRunner<Middleware.RestartInstanceRunner>();
        services.AddOperationRunner<Middleware.DeleteInstanceRunner>();
        services
            .AddOptions<Monitoring.MonitoringOptions>()
            .Bind(configuration.GetSection(Monitoring.MonitoringOptions.Section))
            .Validate(
                o =>
                    o.SampleSeconds is >= 10 and <= 3600
                    && o.RawRetention >= TimeSpan.FromHours(1)
                    && o.RollupRetention >= o.RawRetention
                    && o.AlertCoolDown >= TimeSpan.Zero,
                "Portal:Monitoring:SampleSeconds is 10 to 3600, RawRetention at least "
                    + "an hour, RollupRetention at least RawRetention, AlertCoolDown not "
                    + "negative."
            )
            .ValidateOnStart();
        services.AddSingleton<Monitoring.IMonitoringNotifier, Monitoring.NoMonitoringNotifier>();
        services.AddMetricsSources(configuration);
        services.AddAlertNotifications(configuration);
        services.AddScoped<Monitoring.MetricsSampler>();
        services.AddScoped<Monitoring.MetricsCompaction>();
        services.AddScoped<Monitoring.MetricCharts>();
        services.AddScoped<Monitoring.AlertEvaluator>();
        services.AddScoped<Monitoring.AlertNotifications>();
        services.AddScoped<Monitoring.BuiltinAlertRules>();
        services.AddScoped<Monitoring.AlertRuleDirectory>();
        services.AddScoped<Monitoring.ChannelDirectory>();
        services.AddScoped<Monitoring.AlertBook>();
        services.AddScoped<Monitoring.MonitoringJobs>();

        services.AddBuildSources(configuration);
        services.AddPortalBuilds(configuration, contentRoot);
        services.AddPipelines(configuration);
        services.AddClouds(configuration);

        services.AddPortalKeyRing(configuration);
        return services;
    }

    public static void ConfigureProvider(
        DbContextOptionsBuilder options,
        DatabaseProvider provider,
        string? connectionString,
        string contentRoot
    )
    {
        switch (provider)
        {
            case DatabaseProvider.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Portal:Database:Provider is Postgres but ConnectionStrings:Portal is empty."
                    );
                }

                options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(PostgresMigrations));
                break;
            default:
                options.UseSqlite(
                    string.IsNullOrWhiteSpace(connectionString) ? DefaultSqlite(contentRoot) : connectionString,
                    sqlite => sqlite.MigrationsAssembly(SqliteMigrations)
                );
                break;
        }
    }

    private static string DefaultSqlite(string contentRoot)
    {
        var folder = Path.Combine(contentRoot, "App_Data");
        Directory.CreateDirectory(folder);
        return $"Data Source={Path.Combine(folder, "portal.db")}";
    }
}
