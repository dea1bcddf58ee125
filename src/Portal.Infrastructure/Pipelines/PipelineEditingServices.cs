using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Infrastructure.Pipelines.Webhooks;

namespace Portal.Infrastructure.Pipelines;

public static class PipelineEditingServices
{
    /// <summary>
    /// Defining pipelines (create, change, delete, rotate the webhook secret, list) and the tenants' run quotas, with
    /// the platform's defaults bound from <see cref="PipelineOptions.Section"/> and checked at start.
    /// </summary>
    public static IServiceCollection AddPipelineEditing(this IServiceCollection services)
    {
        services
            .AddOptions<PipelineOptions>()
            .BindConfiguration(PipelineOptions.Section)
            .Validate(
                o => o.IsValid(),
                $"{PipelineOptions.Section}: ConcurrentRunsPerTenant from 1 to {Domain.Pipelines.RunQuota.MaxConcurrentRuns}"
                    + $", BuildMinutesPerDay from 0 to {Domain.Pipelines.RunQuota.MaxBuildMinutesPerDay}."
            )
            .ValidateOnStart();
        services.TryAddSingleton<WebhookSecrets>();
        services.AddScoped<Pipelines>();
        services.AddScoped<RunQuotas>();
        return services;
    }
}
