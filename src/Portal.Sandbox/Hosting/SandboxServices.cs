using Portal.Sandbox.Api;
using Portal.Sandbox.Disruption;
using Portal.Sandbox.Faults;
using Portal.Sandbox.Logs;
using Portal.Sandbox.Metrics;
using Portal.Sandbox.Simulation;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Hosting;

public static class SandboxServices
{
    /// <summary>Registers the store, the API, fault injection and the simulated controllers.</summary>
    public static IServiceCollection AddSandbox(
        this IServiceCollection services,
        SandboxOptions options,
        string token,
        string readOnlyToken
    )
    {
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new ResourceStore(options.EventHistorySize));
        services.AddSingleton<ResourceRegistry>();
        services.AddSingleton(new SandboxFaults(options.Faults));
        services.AddSingleton<FaultInjection>();
        services.AddSingleton<BootstrapTokens>();
        services.AddSingleton(provider => new Authentication(
            token,
            readOnlyToken,
            provider.GetRequiredService<BootstrapTokens>()
        ));
        services.AddSingleton<UsageModel>();
        services.AddSingleton<MetricsApi>();
        services.AddSingleton<PodLogs>();
        services.AddSingleton<KubernetesApi>();
        services.AddSingleton<EventRecorder>();
        services.AddSingleton<NodeFleet>();
        services.AddSingleton<Scheduler>();
        services.AddSingleton<Kubelet>();
        services.AddSingleton<ReplicaSetController>();
        services.AddSingleton<DeploymentController>();
        services.AddSingleton<StatefulSetController>();
        services.AddSingleton<VolumeBinder>();
        services.AddSingleton<JobController>();
        services.AddSingleton<AutoscalerController>();
        services.AddSingleton<QuotaStatusController>();
        services.AddSingleton<DisruptionController>();
        services.AddSingleton<PodGarbageCollector>();
        services.AddSingleton(provider => new SimulationLoop(
            provider.GetRequiredService<ResourceStore>(),
            [
                provider.GetRequiredService<NodeFleet>(),
                provider.GetRequiredService<DeploymentController>(),
                provider.GetRequiredService<ReplicaSetController>(),
                provider.GetRequiredService<StatefulSetController>(),
                provider.GetRequiredService<VolumeBinder>(),
                provider.GetRequiredService<JobController>(),
                provider.GetRequiredService<Scheduler>(),
                provider.GetRequiredService<Kubelet>(),
                provider.GetRequiredService<AutoscalerController>(),
                provider.GetRequiredService<QuotaStatusController>(),
                provider.GetRequiredService<DisruptionController>(),
                provider.GetRequiredService<PodGarbageCollector>(),
            ],
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<SimulationLoop>>()
        ));
        return services;
    }
}
