using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines.Stages;

/// <summary>
/// The portal with its sandbox cluster and job server, the pipeline stages registered (until the portal registers them
/// itself), each run's stages given by the test, and canaries watched often with a short grace.
/// </summary>
public sealed class CanarySandboxPortal : SandboxPortalOn
{
    /// <summary>The definition of each run's stage under test, by run.</summary>
    public ConcurrentDictionary<Guid, PipelineStage> Stages { get; } = new();

    protected override DatabaseKind Kind => DatabaseKind.Sqlite;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Pipelines:Stages:CanaryCheckInterval"] = "00:00:00.200",
            ["Portal:Pipelines:Stages:CanaryReadyGrace"] = "00:00:05",
        };

    protected override Action<IServiceCollection> TestServices =>
        services =>
        {
            if (!services.Any(d => d.ServiceType == typeof(CanaryStageExecutor)))
                services.AddPipelineStages(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build());
            services.TryAddSingleton<IRunProgress, SilentRunProgress>();
            services.TryAddSingleton<IPipelinePageLinks, Links>();
            services.AddSingleton<IStageDefinitions>(new GivenStages(Stages));
        };

    private sealed class GivenStages(ConcurrentDictionary<Guid, PipelineStage> stages) : IStageDefinitions
    {
        public PipelineStage? Find(PipelineRun run, string stage) =>
            stages.TryGetValue(run.Id, out var given) && given.Name == stage ? given : null;
    }

    private sealed class SilentRunProgress : IRunProgress
    {
        public Task RunChangedAsync(PipelineRun run, CancellationToken ct) => Task.CompletedTask;

        public Task LogWrittenAsync(PipelineRun run, IReadOnlyList<PipelineRunLogLine> lines, CancellationToken ct) =>
            Task.CompletedTask;
    }

    private sealed class Links : IPipelinePageLinks
    {
        public string RunUrl(string tenant, string app, string pipeline, int run) =>
            $"https://localhost/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run}";
    }
}
