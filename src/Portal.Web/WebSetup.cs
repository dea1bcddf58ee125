using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;
using Portal.Web.Clusters;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Monitoring;
using Portal.Web.Pipelines;
using Portal.Web.Shell;

namespace Portal.Web;

public static class WebSetup
{
    public static void AddPortalLogging(this WebApplicationBuilder builder)
    {
        // Structured logs: set Logging:Console:FormatterName to "json" for one JSON object per line.
        builder.Logging.AddConsole(options =>
            options.FormatterName = builder.Configuration["Logging:Console:FormatterName"] ?? "simple"
        );
        builder.Logging.Configure(options =>
            options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId
        );
    }

    /// <summary>MVC with feature folders, the API's problem details and OpenAPI document, health checks.</summary>
    public static IServiceCollection AddPortalWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddControllersWithViews(mvc =>
            {
                mvc.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
                mvc.Filters.Add(new UnreadableForms());
                // The portal's forms name fields with dots ("Share.Cpu"), never jQuery's brackets ("Share[Cpu]"),
                // whose reader throws on a key with an unclosed bracket instead of leaving it unread.
                mvc.ValueProviderFactories.RemoveType<JQueryFormValueProviderFactory>();
            })
            .ConfigureApplicationPartManager(parts =>
                parts.FeatureProviders.Add(new Benchmarks.BaselinePageSwitch(configuration))
            )
            .AddJsonOptions(json =>
                json.JsonSerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter())
            )
            .ConfigureApiBehaviorOptions(api =>
            {
                api.InvalidModelStateResponseFactory = context =>
                {
                    var problem = new ValidationProblemDetails(context.ModelState)
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Type = ApiProblems.Validation,
                        Title = ApiProblems.InvalidTitle,
                        Instance = context.HttpContext.Request.Path,
                    };
                    return new BadRequestObjectResult(problem) { ContentTypes = { "application/problem+json" } };
                };
            });
        services.Configure<RazorViewEngineOptions>(razor =>
            razor.ViewLocationExpanders.Add(new FeatureViewLocations())
        );
        services.AddProblemDetails();
        services.AddOpenApi("v1", openApi =>
        {
            openApi.ShouldInclude = description =>
                description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            openApi.AddDocumentTransformer(
                (document, _, _) =>
                {
                    document.Info.Title = "Developer center API";
                    document.Info.Description =
                        "Bearer tokens come from /connect/token (client credentials for service accounts, "
                        + "authorization code + PKCE for the CLI). Errors are RFC 7807 problem details.";
                    return Task.CompletedTask;
                }
            );
        });
        services.AddKeyRingProtection();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        services.AddSingleton<DatabaseOutageLog>();
        // Enums as words, as the API writes them: a browser shows "Running", not 2.
        services
            .AddSignalR(hubs =>
            {
                hubs.AddFilter<HubDatabaseOutage>();
                hubs.AddFilter<HubCallActor>();
            })
            .AddJsonProtocol(json =>
                json.PayloadSerializerOptions.Converters.Add(
                    new System.Text.Json.Serialization.JsonStringEnumConverter()
                )
            )
            .AddPortalBackplane(configuration);
        services.AddSingleton<IHostChangeNotifier, SignalRHostChangeNotifier>();
        services.AddSingleton<Applications.SignalRWorkloadChangeNotifier>();
        services.AddSingleton<IWorkloadChangeNotifier>(provider =>
            provider.GetRequiredService<Applications.SignalRWorkloadChangeNotifier>()
        );
        services.AddHostedService(provider =>
            provider.GetRequiredService<Applications.SignalRWorkloadChangeNotifier>()
        );
        services.AddPortalMonitoringWeb();
        services.AddPortalJobs(configuration);
        services.AddHttpsOnly();
        services.AddScoped<HostCordoning>();
        services.AddSingleton<Infrastructure.Monitoring.IAlertPageLinks, Monitoring.AlertPageLinks>();
        services.AddSingleton<Infrastructure.Pipelines.Stages.IPipelinePageLinks, Pipelines.PipelinePageLinks>();
        services.AddScoped<Quotas.PoolTainting>();
        services.AddScoped<Clouds.PoolHostLimits>();
        services.AddScoped<Portal.Domain.Operations.IOperationQueue, Environments.HangfireOperationQueue>();
        services.AddScoped<
            Infrastructure.Monitoring.IAlertNotificationQueue,
            Monitoring.HangfireAlertNotificationQueue
        >();
        services.AddSingleton<Portal.Domain.Operations.IOperationProgress, Environments.SignalROperationProgress>();
        services.AddSingleton<Tenancy.LiveTenantConnections>();
        services.AddSingleton<Infrastructure.Tenancy.ITenantConnections>(provider =>
            provider.GetRequiredService<Tenancy.LiveTenantConnections>()
        );
        services.AddSingleton<EmbeddedSandbox>();
        services.AddHostedService(provider => provider.GetRequiredService<EmbeddedSandbox>());
        services.AddSingleton<Clouds.EmbeddedSandboxCloud>();
        services.AddHostedService(provider => provider.GetRequiredService<Clouds.EmbeddedSandboxCloud>());
        services.AddHostedService<Builds.BuildToolInstallation>();
        services.AddHostedService<Builds.EmbeddedRegistry>();
        services.AddSingleton<Portal.Domain.Builds.IBuildLogSink, Builds.SignalRBuildLogSink>();
        services.AddSingleton<Portal.Infrastructure.Pipelines.Runs.IRunProgress, Pipelines.SignalRRunProgress>();
        services.AddSingleton<Portal.Infrastructure.Pipelines.Runs.IRunQueue, Pipelines.HangfireRunQueue>();
        // Where runs are queued, a run's job hears at once that an operation one of its stages started has ended.
        services.AddScoped<
            Portal.Infrastructure.Operations.IOperationEndObserver,
            Portal.Infrastructure.Pipelines.Runs.RunChildEnded
        >();
        services.AddScoped<Builds.BuildPrerequisites>();
        services.AddTrustedProxies();
        services.AddPipelineWebhooks();
        return services;
    }

    /// <summary>
    /// Migrates the database when configured to, and makes sure the first admin, the CLI client and the seed templates
    /// exist and that webhook URLs saved before they were sealed are sealed.
    /// </summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        app.Services.RequireKeyRingProtection();
        // Loading proves every recipe file; a broken one stops the portal here rather than at a first build.
        app.Services.GetRequiredService<Infrastructure.Builds.RecipeCatalog>();
        await using var scope = app.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        if (services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(app.Lifetime.ApplicationStopping);
        await services.GetRequiredService<FirstAdmin>().EnsureAsync(Console.Out, app.Lifetime.ApplicationStopping);
        await services
            .GetRequiredService<OidcClientRegistration>()
            .EnsureCliClientAsync(app.Lifetime.ApplicationStopping);
        await services
            .GetRequiredService<Infrastructure.Middleware.CatalogSeeder>()
            .SeedAsync(app.Lifetime.ApplicationStopping);
        await services
            .GetRequiredService<Infrastructure.Monitoring.BuiltinAlertRules>()
            .EnsureAsync(app.Lifetime.ApplicationStopping);
        await services
            .GetRequiredService<Infrastructure.Monitoring.ChannelDirectory>()
            .SealPlainUrlsAsync(app.Lifetime.ApplicationStopping);
    }

    public static void UsePortalPipeline(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UseHttpsOnly();
        if (!app.Environment.IsDevelopment())
            app.UseExceptionHandler(ShellRoutes.ErrorUrl(500));
        app.UseStatusCodePagesWithReExecute("/error/{0}");
        app.UseSecurityHeaders();
        app.UseDatabaseOutageAnswers();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseHubOriginCheck();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
    }

    public static void MapPortalEndpoints(this WebApplication app)
    {
        app.MapControllers();
        app.MapHub<HostsHub>(HostsHub.Path);
        app.MapHub<Clouds.CloudHostsHub>(Clouds.CloudHostsHub.Path);
        app.MapHub<Environments.OperationsHub>(Environments.OperationsHub.Path);
        app.MapHub<Applications.ApplicationsHub>(Applications.ApplicationsHub.Path);
        app.MapHub<Middleware.InstancesHub>(Middleware.InstancesHub.Path);
        app.MapHub<Monitoring.MonitoringHub>(Monitoring.MonitoringHub.Path);
        app.MapHub<Builds.BuildsHub>(Builds.BuildsHub.Path);
        app.MapHub<Pipelines.PipelinesHub>(Pipelines.PipelinesHub.Path);
        app.MapPortalJobs();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks(
            "/health/ready",
            new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") }
        );
        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "api/docs";
            ui.SwaggerEndpoint("/openapi/v1.json", "Developer center API v1");
            ui.DocumentTitle = "Developer center API";
        });
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls)
                Console.WriteLine($"Developer center listening on {url}");
        });
    }
}
