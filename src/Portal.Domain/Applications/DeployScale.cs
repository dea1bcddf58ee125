using Portal.Domain.Common;

namespace Portal.Domain.Applications;

/// <summary>
/// An environment's scale as it stands: the replicas it runs (set by hand or by the deploy that made them), the count a
/// stopped application comes back to, and the autoscaler that owns the count, if any. Scale belongs to the environment,
/// not to the working spec, which says only how many replicas a first deploy runs.
/// </summary>
public sealed record EnvironmentScale(int Replicas, int? ReplicasBeforeStop, AutoscalingPolicy? Autoscaler)
{
    public bool IsStopped => ReplicasBeforeStop is not null;

    /// <summary>
    /// The count a deploy keeps: a stopped application comes back with what it ran before, as starting it would.
    /// </summary>
    public int KeptReplicas => ReplicasBeforeStop is { } before ? Math.Max(1, before) : Replicas;
}

/// <summary>Where the scale a deploy runs with comes from.</summary>
public enum ScaleSource
{
    /// <summary>A first deploy to the environment: the spec's replicas or autoscaling.</summary>
    Spec,

    /// <summary>The environment's own replicas or autoscaler, as they stand.</summary>
    Kept,

    /// <summary>Replicas the deploy sets.</summary>
    Set,

    /// <summary>An autoscaling change: the policy it sets, or none.</summary>
    Autoscaling,
}

/// <summary>
/// The spec a deploy runs, with the replicas and autoscaling it runs them with, and where they came from.
/// </summary>
public sealed record ScaledSpec(DeploymentSpec Spec, ScaleSource Source, EnvironmentScale? Before)
{
    public int Replicas => Spec.Replicas;

    public AutoscalingPolicy? Autoscaler => Spec.Autoscaling;
}

/// <summary>
/// How a deploy scales its environment. Unless it sets replicas, a deploy (of the working spec, an earlier revision or
/// another environment's) keeps the environment's replicas or its autoscaler: the scale someone chose there is never
/// reset by a change of image. Replicas cannot be set where an autoscaler owns them.
/// </summary>
public sealed record DeployScale
{
    private DeployScale(ScaleSource source, int? replicas, AutoscalingPolicy? autoscaling) =>
        (Source, Replicas, Autoscaling) = (source, replicas, autoscaling);

    public ScaleSource Source { get; }
    public int? Replicas { get; }
    public AutoscalingPolicy? Autoscaling { get; }

    public static DeployScale Keep { get; } = new(ScaleSource.Kept, null, null);

    public static DeployScale To(int replicas) => new(ScaleSource.Set, replicas, null);

    /// <summary>Replicas when given, otherwise the environment's scale kept: what a deploy request means.</summary>
    public static DeployScale From(int? replicas) => replicas is { } count ? To(count) : Keep;

    /// <summary>Sets an autoscaler (or, with null, removes it and keeps the replicas it left).</summary>
    public static DeployScale Autoscaled(AutoscalingPolicy? policy) => new(ScaleSource.Autoscaling, null, policy);

    /// <summary>
    /// The spec as it will run in the environment, whose scale is <paramref name="current"/> (null where the
    /// application has not run yet).
    /// </summary>
    public Result<ScaledSpec> Apply(DeploymentSpec spec, EnvironmentScale? current, string environment)
    {
        switch (Source)
        {
            case ScaleSource.Set:
                var autoscaler = current is null ? spec.Autoscaling : current.Autoscaler;
                if (autoscaler is not null)
                {
                    return Problem.Conflict(
                        $"An autoscaler owns the replica count in '{environment}' "
                            + $"({SpecDiff.DescribeAutoscaling(autoscaler)}): leave replicas out "
                            + "to keep it, or turn autoscaling off first.",
                        "Replicas"
                    );
                }

                if (Replicas is < 0 or > DeploymentSpec.MaxReplicas)
                    return Problem.Invalid("Replicas", $"Replicas go from 0 to {DeploymentSpec.MaxReplicas}.");
                return new ScaledSpec(
                    spec.WithAutoscaling(null).WithReplicas(Replicas!.Value),
                    ScaleSource.Set,
                    current
                );
            case ScaleSource.Autoscaling:
                var count = current?.KeptReplicas ?? spec.Replicas;
                return new ScaledSpec(
                    spec.WithAutoscaling(Autoscaling).WithReplicas(Within(count, Autoscaling)),
                    ScaleSource.Autoscaling,
                    current
                );
            default:
                if (current is null)
                    return new ScaledSpec(
                        spec.WithReplicas(Within(spec.Replicas, spec.Autoscaling)),
                        ScaleSource.Spec,
                        null
                    );
                return new ScaledSpec(
                    spec.WithAutoscaling(current.Autoscaler)
                        .WithReplicas(Within(current.KeptReplicas, current.Autoscaler)),
                    ScaleSource.Kept,
                    current
                );
        }
    }

    private static int Within(int replicas, AutoscalingPolicy? autoscaler) =>
        autoscaler is null
            ? replicas
            : Math.Clamp(replicas, autoscaler.MinReplicas, Math.Max(autoscaler.MinReplicas, autoscaler.MaxReplicas));
}
