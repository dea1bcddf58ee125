using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

public static class PipelineStageServices
{
    /// <summary>
    /// Registers the test and canary stages: their executors, the runners of their operations (test command, canary
    /// deploy and removal), the test commands of the configured builder (<see cref="BuildsSetup.BuilderSetting"/>),
    /// the probes' guarded HTTP client, and the approval notifications. Expects the builds, the alert channels and an
    /// <see cref="IPipelinePageLinks"/> registered beside.
    /// </summary>
    public static IServiceCollection AddPipelineStages(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<PipelineStageOptions>()
            .Bind(configuration.GetSection(PipelineStageOptions.Section))
            .Validate(o => o.Invalid() is null, $"{PipelineStageOptions.Section} is not valid: see its settings.")
            .ValidateOnStart();
        services.AddSingleton<ProbeTargetGuard>();
        services
            .AddHttpClient(HttpProbes.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider =>
                provider
                    .GetRequiredService<ProbeTargetGuard>()
                    .CreateGuardedHandler(
                        provider.GetRequiredService<IOptions<PipelineStageOptions>>().Value.ProbeTimeout
                    )
            )
            .RemoveAllLoggers();
        services.AddScoped<HttpProbes>();
        services.AddSingleton<BuildahImageCommands>();
        services.AddSingleton<KubernetesImageCommands>();
        var builder = configuration[BuildsSetup.BuilderSetting] ?? "Buildah";
        if (builder.Equals("KubernetesJob", StringComparison.OrdinalIgnoreCase))
            services.AddSingleton<IImageCommands>(provider => provider.GetRequiredService<KubernetesImageCommands>());
        else
            services.AddSingleton<IImageCommands>(provider => provider.GetRequiredService<BuildahImageCommands>());
        services.AddOperationRunner<PipelineTestRunner>();
        services.AddOperationRunner<ApplyCanaryRunner>();
        services.AddOperationRunner<RemoveCanaryRunner>();
        services.AddStageExecutor<TestStageExecutor>();
        services.AddStageExecutor<CanaryStageExecutor>();
        services.AddScoped<ApprovalNotifications>();
        return services;
    }
}
