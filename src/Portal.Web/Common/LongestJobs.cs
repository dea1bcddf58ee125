using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Clouds.Hosts;

namespace Portal.Web.Common;

/// <summary>
/// The jobs that may run longest, by the bounds of their own waits: what the job storage must not take for lost while
/// they run. A rollout is not among them: each look at it is a short job.
/// </summary>
public static class LongestJobs
{
    public sealed record Bound(string Job, TimeSpan Longest);

    public static IReadOnlyList<Bound> Of(
        GitOptions git,
        BuildahOptions buildah,
        KubernetesJobOptions kubernetesJob,
        CloudOptions clouds
    ) =>
        [
            new(
                $"a build ({GitOptions.Section}:FetchTimeout, then the longer of {BuildahOptions.Section}:Timeout "
                    + $"and {KubernetesJobOptions.Section}:Timeout)",
                git.FetchTimeout + (buildah.Timeout > kubernetesJob.Timeout ? buildah.Timeout : kubernetesJob.Timeout)
            ),
            new(
                $"a host's provisioning ({CloudOptions.Section}:WaitRunning, WaitJoined and WaitReady in turn)",
                clouds.WaitRunning + clouds.WaitJoined + clouds.WaitReady
            ),
            new($"a host's decommissioning ({CloudOptions.Section}:DrainTimeout)", clouds.DrainTimeout),
        ];

    public static Bound Longest(
        GitOptions git,
        BuildahOptions buildah,
        KubernetesJobOptions kubernetesJob,
        CloudOptions clouds
    ) => Of(git, buildah, kubernetesJob, clouds).MaxBy(b => b.Longest)!;
}
