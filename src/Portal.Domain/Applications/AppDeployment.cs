using Portal.Domain.Common;

namespace Portal.Domain.Applications;

public enum AppDeploymentState
{
    /// <summary>A deploy's job is applying objects or following the rollout.</summary>
    Deploying = 1,
    Running = 2,

    /// <summary>The last change did not roll out; <see cref="AppDeployment.Reason"/> says why.</summary>
    Failed = 3,

    /// <summary>Scaled to zero on purpose; starting brings back the previous count.</summary>
    Stopped = 4,
    Removing = 5,
}

/// <summary>
/// An application in one environment: the revision meant to run there, how many replicas, and how the last
/// change went. Replicas are the environment's own (scaling does not make a revision); the rest comes from the
/// revision.
/// </summary>
public sealed class AppDeployment : Tenancy.ITenantOwned
{
    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public Guid EnvironmentId { get; private set; }
    public int Revision { get; private set; }
    public int Replicas { get; private set; }

    /// <summary>The replicas to bring back when a stopped application starts again.</summary>
    public int? ReplicasBeforeStop { get; private set; }
    public AppDeploymentState State { get; private set; }
    public string? Reason { get; private set; }

    /// <summary>
    /// What one replica of the revision requests and may use: what the portal's quota admission sums.
    /// </summary>
    public ContainerResources PerReplica { get; private set; } = new(0, 0, 0, 0);

    /// <summary>
    /// An autoscaler's ceiling, when one owns the replica count: admission counts the most it may run.
    /// </summary>
    public int? AutoscaledUpTo { get; private set; }

    /// <summary>Whether a failed rollout of the current revision deploys the previous one again by itself.</summary>
    public bool RollsBackOnFailure { get; private set; }

    /// <summary>The revision that ran before the current one: where an automatic rollback goes.</summary>
    public int? PreviousRevision { get; private set; }

    /// <summary>
    /// Who last set the replicas or autoscaler this environment runs with, and when: a scale, stop or start, or a
    /// deploy that set them.
    /// </summary>
    public string? ScaledBy { get; private set; }
    public DateTime? ScaledAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    private AppDeployment() { }

    public AppDeployment(Application application, Guid environmentId, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = application.TenantId;
        ApplicationId = application.Id;
        EnvironmentId = environmentId;
        State = AppDeploymentState.Deploying;
        UpdatedAt = now;
    }

    /// <summary>The most replicas this deployment may run: what quota admission counts.</summary>
    public int CountedReplicas => Math.Max(Replicas, AutoscaledUpTo ?? 0);

    /// <summary>
    /// The environment's scale as it stands, with the autoscaler of the revision that runs (the revision keeps its
    /// policy).
    /// </summary>
    public EnvironmentScale ScaleWith(AutoscalingPolicy? autoscaler) => new(Replicas, ReplicasBeforeStop, autoscaler);

    /// <summary>
    /// Points the environment at a new revision with its spec's size, replicas and autoscaling: the spec comes scaled
    /// for the environment (<see cref="DeployScale"/>), so that a deploy keeps the scale someone chose there.
    /// </summary>
    public void Deploy(Revision revision, DeploymentSpec spec, bool rollsBackOnFailure, DateTime now)
    {
        var first = Revision == 0;
        PreviousRevision = first || Revision == revision.Number ? PreviousRevision : Revision;
        Revision = revision.Number;
        var replicas = spec.Autoscaling is { } autoscaling
            ? Math.Max(autoscaling.MinReplicas, Math.Min(spec.Replicas, autoscaling.MaxReplicas))
            : spec.Replicas;
        if (first || replicas != Replicas || spec.Autoscaling?.MaxReplicas != AutoscaledUpTo)
            (ScaledBy, ScaledAt) = (revision.CreatedBy, now);
        Replicas = replicas;
        AutoscaledUpTo = spec.Autoscaling?.MaxReplicas;
        PerReplica = spec.Resources;
        RollsBackOnFailure = rollsBackOnFailure;
        ReplicasBeforeStop = null;
        State = AppDeploymentState.Deploying;
        Reason = null;
        UpdatedAt = now;
    }

    public Result Scale(int replicas, string by, DateTime now)
    {
        if (replicas is < 0 or > DeploymentSpec.MaxReplicas)
            return Problem.Invalid("Replicas", $"Replicas go from 0 to {DeploymentSpec.MaxReplicas}.");
        if (State == AppDeploymentState.Removing)
            return Problem.Conflict("The application is being removed from this environment.");
        if (AutoscaledUpTo is not null)
            return Problem.Conflict(
                "An autoscaler owns the replica count here: change its bounds, or turn it off, to scale by hand."
            );
        Replicas = replicas;
        ReplicasBeforeStop = null;
        Scaled(by, now);
        return Result.Ok();
    }

    public Result Stop(string by, DateTime now)
    {
        if (State == AppDeploymentState.Stopped)
            return Problem.Conflict("The application is stopped already.");
        if (State == AppDeploymentState.Removing)
            return Problem.Conflict("The application is being removed from this environment.");
        ReplicasBeforeStop = Replicas;
        Replicas = 0;
        Scaled(by, now);
        return Result.Ok();
    }

    public Result Start(string by, DateTime now)
    {
        if (ReplicasBeforeStop is not { } previous)
            return Problem.Conflict("The application is not stopped.");
        Replicas = Math.Max(1, previous);
        ReplicasBeforeStop = null;
        Scaled(by, now);
        return Result.Ok();
    }

    private void Scaled(string by, DateTime now)
    {
        (ScaledBy, ScaledAt) = (by, now);
        State = AppDeploymentState.Deploying;
        Reason = null;
        UpdatedAt = now;
    }

    /// <summary>The rollout finished: running, or stopped when it was scaled to zero on purpose.</summary>
    public void RolledOut(DateTime now)
    {
        State = ReplicasBeforeStop is not null ? AppDeploymentState.Stopped : AppDeploymentState.Running;
        Reason = null;
        UpdatedAt = now;
    }

    public void Failed(string reason, DateTime now)
    {
        State = AppDeploymentState.Failed;
        Reason = reason;
        UpdatedAt = now;
    }

    public void MarkRemoving(DateTime now)
    {
        State = AppDeploymentState.Removing;
        UpdatedAt = now;
    }
}
