using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Pipelines.Webhooks;

namespace Portal.Infrastructure.Pipelines;

public static class PipelineTriggerServices
{
    /// <summary>What starts runs besides a person: webhooks, schedules and polling.</summary>
    public static IServiceCollection AddPipelineTriggers(this IServiceCollection services)
    {
        services.AddScoped<PipelineWebhooks>();
        services.AddScoped<PipelineTriggerJobs>();
        return services;
    }
}
