using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Clouds.Hosts;
using Portal.Infrastructure.Clouds.Joining;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.Alibaba;
using Portal.Infrastructure.Clouds.Providers.Aws;
using Portal.Infrastructure.Clouds.Providers.BareMetal;
using Portal.Infrastructure.Clouds.Providers.Huawei;
using Portal.Infrastructure.Clouds.Providers.OpenStack;
using Portal.Infrastructure.Clouds.Providers.VSphere;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Clouds;

/// <summary>The one place the cloud providers, the host operations and their use cases are composed.</summary>
public static class CloudServices
{
    public static IServiceCollection AddClouds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CloudOptions>().Bind(configuration.GetSection(CloudOptions.Section));
        services.AddHttpClient();
        services.AddSingleton<ICloudProvider, AwsCloudProvider>();
        services.AddSingleton<ICloudProvider, AlibabaCloudProvider>();
        services.AddSingleton<ICloudProvider, HuaweiCloudProvider>();
        services.AddSingleton<ICloudProvider, OpenStackCloudProvider>();
        services.AddSingleton<ICloudProvider, VSphereCloudProvider>();
        services.AddSingleton<BareMetalProvider>();
        services.AddSingleton<ICloudProvider>(provider => provider.GetRequiredService<BareMetalProvider>());
        services.AddSingleton<CloudProviders>();
        services.AddSingleton<CloudSecrets>();
        services.AddSingleton<ISshHostKeyPins, SshHostKeyPins>();
        services.AddScoped<CloudAccounts>();
        services.AddScoped<HostTemplates>();
        services.AddScoped<PoolGrowth>();
        services.AddScoped<OrphanReconciler>();
        services.AddScoped<ClusterJoining>();
        services.AddScoped<HostContext>();
        services.AddOperationRunner<ProvisionHostRunner>();
        services.AddOperationRunner<DecommissionHostRunner>();
        services.AddOperationRunner<AbandonHostRunner>();
        return services;
    }
}
