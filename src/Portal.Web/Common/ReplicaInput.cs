using Portal.Domain.Common;

namespace Portal.Web.Common;

/// <summary>
/// Replica counts and revisions left out of a form or a body: refused with the field named, never taken for 0 (which
/// would stop an application, or name no revision).
/// </summary>
public static class ReplicaInput
{
    public const string NoReplicas = "Give the number of replicas to run (0 stops the application).";

    public const string NoInstanceReplicas = "Give the number of replicas, within the instance's plan.";

    public static readonly Problem NoRevision = Problem.Invalid(
        "Revision",
        "Say which revision to roll back to, by its number."
    );

    /// <summary>A problem for each autoscaling bound left out.</summary>
    public static IEnumerable<Problem> Missing(int? minReplicas, int? maxReplicas)
    {
        if (minReplicas is null)
            yield return Problem.Invalid(
                "MinReplicas",
                "Give the least number of replicas the autoscaler keeps (1 or more)."
            );
        if (maxReplicas is null)
            yield return Problem.Invalid("MaxReplicas", "Give the most replicas the autoscaler may run.");
    }
}
