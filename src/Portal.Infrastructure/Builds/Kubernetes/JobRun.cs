using System.Diagnostics;
using k8s;
using k8s.Models;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>
/// One build Job followed to its end: its pod's BuildKit log, line by line as it comes (the lines after BuildKit's
/// "exporting to image" are the push's), then the Job's own verdict.
/// </summary>
internal sealed class JobRun(
    IKubernetes client,
    BuildJobPlan plan,
    KubernetesJobOptions settings,
    Action<BuildLogLine> log
)
{
    private readonly Queue<string> _last = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _pushFrom;
    private bool _streamed;

    /// <summary>Whether the Job ended by itself (Complete or Failed), rather than being given up on.</summary>
    public bool Finished { get; private set; }

    public IReadOnlyList<BuildStageTime> Stages()
    {
        var total = _clock.Elapsed;
        return _pushFrom is { } push
            ? [new(BuildStage.Build, push), new(BuildStage.Push, total - push)]
            : [new(BuildStage.Build, total)];
    }

    /// <summary>The BuildKit container's termination message when the Job completed, or why it failed.</summary>
    public async Task<Result<string?>> FollowAsync(CancellationToken ct)
    {
        while (true)
        {
            var job = await client.BatchV1.ReadNamespacedJobAsync(plan.Name, plan.Namespace, cancellationToken: ct);
            var pod = await PodAsync(ct);
            var buildkit = pod?.Status?.ContainerStatuses?.FirstOrDefault(s =>
                s.Name == BuildJobManifests.BuildKitContainer
            );
            if (
                pod is not null
                && !_streamed
                && (buildkit?.State?.Running is not null || buildkit?.State?.Terminated is not null)
            )
                await StreamAsync(pod, ct);
            Finished = Condition(job, "Complete") || Condition(job, "Failed");
            if (Condition(job, "Complete"))
                return buildkit?.State?.Terminated?.Message;
            if (Finished)
                return Failure(job, pod, buildkit);
            if (Waiting(pod) is { } stuck)
                return stuck;
            await Task.Delay(settings.PollInterval, ct);
        }
    }

    private async Task<V1Pod?> PodAsync(CancellationToken ct)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(
            plan.Namespace,
            labelSelector: $"{BuildJobManifests.BuildLabel}={plan.Name}",
            cancellationToken: ct
        );
        return pods.Items.OrderByDescending(p => p.Metadata.CreationTimestamp).FirstOrDefault();
    }

    private async Task StreamAsync(V1Pod pod, CancellationToken ct)
    {
        _streamed = true;
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(
            pod.Metadata.Name,
            plan.Namespace,
            container: BuildJobManifests.BuildKitContainer,
            follow: true,
            cancellationToken: ct
        );
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            var text = Redact(line);
            if (_pushFrom is null && text.Contains("exporting to image", StringComparison.OrdinalIgnoreCase))
                _pushFrom = _clock.Elapsed;
            _last.Enqueue(text);
            if (_last.Count > settings.FailureLines)
                _last.Dequeue();
            log(new BuildLogLine(_pushFrom is null ? BuildStage.Build : BuildStage.Push, text));
        }
    }

    private string Redact(string line) =>
        string.IsNullOrEmpty(plan.Registry.Password)
            ? line
            : line.Replace(plan.Registry.Password, "***", StringComparison.Ordinal);

    private static bool Condition(V1Job job, string type) =>
        job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    /// <summary>A pod that cannot start says so at once rather than at the Job's deadline.</summary>
    private static Problem? Waiting(V1Pod? pod)
    {
        var statuses = (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? []);
        var waiting = statuses
            .Select(s => s.State?.Waiting)
            .FirstOrDefault(w =>
                w?.Reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "CreateContainerConfigError"
            );
        return waiting is null
            ? null
            : Problem.Unavailable($"The build's pod cannot start ({waiting.Reason}): {waiting.Message}");
    }

    private Problem Failure(V1Job job, V1Pod? pod, V1ContainerStatus? buildkit)
    {
        var condition = job.Status!.Conditions!.First(c => c.Type == "Failed" && c.Status == "True");
        if (condition.Reason == "DeadlineExceeded")
            return Problem.Unavailable(
                $"The build took longer than its limit of {plan.Timeout.TotalMinutes:0.#} minutes and was stopped."
            );
        var unpacked = pod?.Status?.InitContainerStatuses?.FirstOrDefault()?.State?.Terminated;
        if (unpacked is { ExitCode: not 0 })
            return Problem.Unavailable(
                $"The build context could not be unpacked in the cluster (exit {unpacked.ExitCode}): {unpacked.Message}"
            );
        var ended = buildkit?.State?.Terminated;
        var lines = _last.Count > 0 ? string.Join(" | ", _last) : Redact(ended?.Message ?? condition.Message ?? "");
        if (RefusedPush(lines))
            return Problem.Forbidden($"The registry at {plan.Registry.Host} refused the push. Its last lines: {lines}");
        return Problem.Invalid(
            "Dockerfile",
            $"The image did not build (BuildKit exited with {ended?.ExitCode.ToString() ?? "an error"}). "
                + $"Its last lines: {lines}"
        );
    }

    private static bool RefusedPush(string lines) =>
        lines.Contains("push", StringComparison.OrdinalIgnoreCase)
        && (
            lines.Contains("unauthorized", StringComparison.OrdinalIgnoreCase)
            || lines.Contains("denied", StringComparison.OrdinalIgnoreCase)
            || lines.Contains("403 Forbidden", StringComparison.OrdinalIgnoreCase)
        );
}
