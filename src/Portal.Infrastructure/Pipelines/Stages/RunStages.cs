using Portal.Domain.Pipelines;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>What the jobs carrying out a stage's child read of it: its definition, as the run was made.</summary>
internal static class RunStages
{
    /// <summary>The stage's definition in the YAML the run was made with, or null.</summary>
    public static PipelineStage? Definition(PipelineRun run, string stage) =>
        PipelineYaml.Parse(run.DefinitionYaml) is { Succeeded: true } definition ? definition.Value.Stage(stage) : null;
}
