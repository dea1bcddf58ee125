using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Infrastructure.Pipelines.Webhooks;

namespace Portal.Infrastructure.Pipelines;

public static class PipelineServices
{
    /// <summary>Registers pipelines: their runs, the executor of each kind of stage, webhooks and triggers.</summary>
    public static IServiceCollection AddPipelines(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<PipelineOptions>()
            .Bind(configuration.GetSection(PipelineOptions.Section))
            .Validate(
                o => o.ConcurrentRunsPerTenant >= 1 && o.MaxRunningRuns >= 1 && o.BuildMinutesPerDay >= 0,
                "Portal:Pipelines: ConcurrentRunsPerTenant and MaxRunningRuns must be at least 1, "
                    + "BuildMinutesPerDay at least 0."
            )
            .Validate(
                o => o.RecheckEvery > TimeSpan.Zero && o.LostAfter > o.RecheckEvery,
                "Portal:Pipelines: RecheckEvery must be positive and LostAfter longer than it."
            )
            .ValidateOnStart();
        services.AddScoped<WebhookSecrets>();
        services.AddScoped<RunQuotas>();
        services.AddScoped<PipelineRuns>();
        services.AddScoped<PipelineRunAdvancer>();
        services.AddScoped<RunDispatcher>();
        services.AddScoped<RunSweeper>();
        services.AddStageExecutor<BuildStageExecutor>();
        services.AddStageExecutor<DeployStageExecutor>();
        services.AddStageExecutor<PromoteStageExecutor>();
        services.AddStageExecutor<ApprovalStageExecutor>();
        services.AddPipelineStages(configuration);
        services.AddPipelineEditing();
        services.AddPipelineTriggers();
        return services;
    }
}
