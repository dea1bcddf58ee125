using Portal.Domain.Pipelines;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// The definition of a run's stage as the run was made with it (its YAML), for the jobs that carry a stage's child
/// out and have only the operation to start from.
/// </summary>
public interface IStageDefinitions
{
    PipelineStage? Find(PipelineRun run, string stage);
}
