using Portal.Domain.Tenancy;

namespace Portal.Domain.Pipelines;

/// <summary>What a stage does; stored by name, so the names never change.</summary>
public enum StageKind
{
    Build = 1,
    Test = 2,
    Deploy = 3,
    Approval = 4,
    Promote = 5,
    Canary = 6,
}

/// <summary>
/// One stage of a pipeline: its name (unique in the pipeline), the group it runs in parallel with (consecutive stages
/// of one group start together), its time limit, and whether a person starts it.
/// </summary>
public abstract record PipelineStage(string Name)
{
    public abstract StageKind Kind { get; }
    public string? Group { get; init; }
    public TimeSpan Timeout { get; init; } = PipelineLimits.DefaultStageTimeout;
    public bool Manual { get; init; }
}

/// <summary>
/// Builds the run's commit with the application's source and recipe (the recipe's test command included).
/// </summary>
public sealed record BuildImageStage(string Name) : PipelineStage(Name)
{
    public override StageKind Kind => StageKind.Build;
}

/// <summary>
/// A test: a command run in the image the run built (its exit code decides), or an HTTP probe of a running
/// environment that must answer 2xx within <see cref="HttpProbe.Within"/>. Exactly one of the two.
/// </summary>
public sealed record TestStage(string Name, string? Command, HttpProbe? Probe) : PipelineStage(Name)
{
    public override StageKind Kind => StageKind.Test;
}

/// <summary>
/// A GET of <see cref="Path"/> on the application in <see cref="Environment"/>, through its ingress host, or of an
/// absolute <see cref="Url"/>, retried until it answers 2xx or <see cref="Within"/> passes.
/// </summary>
public sealed record HttpProbe(string? Environment, string? Path, string? Url, TimeSpan Within);

/// <summary>Deploys the image the run built to an environment, pinned by digest, and follows the rollout.</summary>
public sealed record DeployStage(string Name, string Environment, bool RollBackOnFailure) : PipelineStage(Name)
{
    public override StageKind Kind => StageKind.Deploy;
}

/// <summary>
/// Waits for a person to approve or reject, with a comment: a member holding one of <see cref="Roles"/> (or a higher
/// one), or one of the named <see cref="Members"/> (by e-mail). Its timeout rejects it.
/// </summary>
public sealed record ApprovalStage(string Name, IReadOnlyList<TenantRole> Roles, IReadOnlyList<string> Members)
    : PipelineStage(Name)
{
    public override StageKind Kind => StageKind.Approval;
}

/// <summary>Promotes what runs in <see cref="From"/> to <see cref="To"/>, as the promotion page does.</summary>
public sealed record PromoteStage(string Name, string From, string To) : PipelineStage(Name)
{
    public override StageKind Kind => StageKind.Promote;
}

/// <summary>
/// Runs the run's image as a second Deployment beside the stable one in <see cref="Environment"/>, with
/// <see cref="Percent"/> of the stable replicas (at least one), for <see cref="Duration"/> while watching its restarts
/// and readiness; then deploys it as the stable revision, or removes it when it restarted more than
/// <see cref="MaxRestarts"/> times or was not ready.
/// </summary>
public sealed record CanaryStage(string Name, string Environment, int Percent, TimeSpan Duration, int MaxRestarts)
    : PipelineStage(Name)
{
    public override StageKind Kind => StageKind.Canary;
}
