using Microsoft.Extensions.DependencyInjection;

namespace Portal.Infrastructure.Pipelines;

public static class PipelineEditingServices
{
    /// <summary>
    /// Defining pipelines (create, change, delete, rotate the webhook secret, list) and setting tenants' run quotas;
    /// the options, the webhook secrets and <see cref="RunQuotas"/> come with <see cref="PipelineServices"/>.
    /// </summary>
    public static IServiceCollection AddPipelineEditing(this IServiceCollection services)
    {
        services.AddScoped<Pipelines>();
        services.AddScoped<RunQuotaSettings>();
        return services;
    }
}
