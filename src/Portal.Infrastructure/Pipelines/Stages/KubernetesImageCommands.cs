using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Quotas;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Runs a test command where the Kubernetes builder builds: as a Job of the image in the tenant's build namespace
/// (<see cref="BuildNamespace"/>), pulling with the portal registry's pull secret, on the build pool's nodes. Its log
/// is read through the pod log API as it comes; its exit code is its container's. A Job that is cancelled or given up
/// on is deleted with its pod; a finished one stays for <see cref="KubernetesJobOptions.KeepFinished"/>.
/// </summary>
public sealed class KubernetesImageCommands(
    IOptions<KubernetesJobOptions> options,
    RegistryConnection registry,
    IBuildClusters clusters
) : IImageCommands
{
    public const string TestLabel = "portal/pipeline-test";
    public const string Container = "test";

    public async Task<Result<ImageCommandOutcome>> RunAsync(
        ImageCommand command,
        Action<string> onLine,
        CancellationToken ct
    )
    {
        var settings = options.Value;
        var pull = registry.PullAccess();
        var cluster = await clusters.ForTenantAsync(command.Tenant, ct);
        if (!cluster.Succeeded)
            return cluster.Problem!;
        var client = cluster.Value.Client;
        string ns;
        try
        {
            ns = await BuildNamespace.EnsureAsync(client, command.Tenant, cluster.Value.TenantId, ct);
        }
        catch (NamespaceNotOwnedException e)
        {
            return Problem.Conflict(e.Message);
        }
        var labels = Labels(command, $"test-{Guid.NewGuid():N}"[..17]);
        var name = labels[TestLabel];
        var timeout = command.Timeout < settings.Timeout ? command.Timeout : settings.Timeout;
        if (pull is not null && pull.Holds(command.Image))
            await RegistryPullSecret.ApplyAsync(
                client,
                ns,
                pull,
                labels.Where(l => l.Key != TestLabel).ToDictionary(),
                ct
            );
        var job = Job(
            name,
            ns,
            labels,
            command,
            timeout,
            settings,
            cluster.Value.Placement,
            pull is not null && pull.Holds(command.Image)
        );
        using var overTime = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, overTime.Token);
        var finished = false;
        try
        {
            await client.BatchV1.CreateNamespacedJobAsync(job, ns, cancellationToken: ct);
            onLine($"Test job {ns}/{name} created.");
            var follow = new TestJobFollower(client, ns, name, settings, onLine);
            var ended = await follow.FollowAsync(timeout, linked.Token);
            finished = follow.Finished;
            return ended;
        }
        catch (OperationCanceledException) when (overTime.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return Problem.Unavailable(
                $"The test command took longer than its limit of {Limits.Words(timeout)} and was stopped."
            );
        }
        finally
        {
            if (!finished)
                await DeleteQuietlyAsync(client, ns, name);
        }
    }

    /// <summary>The Job that runs the command once (no retry), within its limit, on the build pool's nodes.</summary>
    public static V1Job Job(
        string name,
        string ns,
        IReadOnlyDictionary<string, string> labels,
        ImageCommand command,
        TimeSpan timeout,
        KubernetesJobOptions settings,
        Domain.Quotas.PodPlacement placement,
        bool pullsFromPortal
    )
    {
        var pod = new V1PodSpec
        {
            RestartPolicy = "Never",
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            ImagePullSecrets = pullsFromPortal ? [new V1LocalObjectReference { Name = RegistryPullSecret.Name }] : null,
            Containers =
            [
                new V1Container
                {
                    Name = Container,
                    Image = command.Image,
                    Command = ["/bin/sh", "-c", command.Command],
                    SecurityContext = new V1SecurityContext
                    {
                        AllowPrivilegeEscalation = false,
                        Capabilities = new V1Capabilities { Drop = ["ALL"] },
                        SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                    },
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity>
                        {
                            ["cpu"] = new(settings.CpuRequest),
                            ["memory"] = new(settings.MemoryRequest),
                        },
                        Limits = new Dictionary<string, ResourceQuantity>
                        {
                            ["cpu"] = new(settings.CpuLimit),
                            ["memory"] = new(settings.MemoryLimit),
                        },
                    },
                },
            ],
        };
        PodConfinement.Confine(pod, placement);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string>(labels),
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                ActiveDeadlineSeconds = (long)Math.Ceiling(timeout.TotalSeconds),
                TtlSecondsAfterFinished = (int)settings.KeepFinished.TotalSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = pod,
                },
            },
        };
    }

    private static Dictionary<string, string> Labels(ImageCommand command, string name) =>
        new()
        {
            [Ownership.ManagedByLabel] = EnvironmentProvisioner.ManagedBy,
            [Ownership.TenantLabel] = command.Tenant,
            [Ownership.TenantIdLabel] = command.TenantId.ToString(),
            [TestLabel] = name,
        };

    private static async Task DeleteQuietlyAsync(IKubernetes client, string ns, string name)
    {
        try
        {
            await client.BatchV1.DeleteNamespacedJobAsync(
                name,
                ns,
                propagationPolicy: "Background",
                cancellationToken: CancellationToken.None
            );
        }
        catch (HttpOperationException) { }
        catch (HttpRequestException) { }
    }
}

/// <summary>One test Job followed to its end: its container's log line by line, then its exit code.</summary>
internal sealed class TestJobFollower(
    IKubernetes client,
    string ns,
    string name,
    KubernetesJobOptions settings,
    Action<string> onLine
)
{
    private readonly Queue<string> _last = new();
    private bool _streamed;

    public bool Finished { get; private set; }

    public async Task<Result<ImageCommandOutcome>> FollowAsync(TimeSpan timeout, CancellationToken ct)
    {
        while (true)
        {
            var job = await client.BatchV1.ReadNamespacedJobAsync(name, ns, cancellationToken: ct);
            var pods = await client.CoreV1.ListNamespacedPodAsync(
                ns,
                labelSelector: $"{KubernetesImageCommands.TestLabel}={name}",
                cancellationToken: ct
            );
            var pod = pods.Items.OrderByDescending(p => p.Metadata.CreationTimestamp).FirstOrDefault();
            var state = pod?.Status?.ContainerStatuses?.FirstOrDefault()?.State;
            if (pod is not null && !_streamed && (state?.Running is not null || state?.Terminated is not null))
                await StreamAsync(pod, ct);
            var complete = Condition(job, "Complete");
            var failed = Condition(job, "Failed");
            Finished = complete || failed;
            if (complete)
                return new ImageCommandOutcome(0, [.. _last]);
            if (failed)
            {
                var condition = job.Status!.Conditions!.First(c => c.Type == "Failed" && c.Status == "True");
                if (condition.Reason == "DeadlineExceeded")
                    return Problem.Unavailable(
                        $"The test command took longer than its limit of {Limits.Words(timeout)} and was stopped."
                    );
                return new ImageCommandOutcome(state?.Terminated?.ExitCode ?? 1, [.. _last]);
            }
            var waiting = state?.Waiting;
            if (waiting?.Reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName")
                return Problem.Unavailable($"The test's pod cannot start ({waiting.Reason}): {waiting.Message}");
            await Task.Delay(settings.PollInterval, ct);
        }
    }

    private async Task StreamAsync(V1Pod pod, CancellationToken ct)
    {
        _streamed = true;
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(
            pod.Metadata.Name,
            ns,
            container: KubernetesImageCommands.Container,
            follow: true,
            cancellationToken: ct
        );
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            _last.Enqueue(line);
            if (_last.Count > settings.FailureLines)
                _last.Dequeue();
            onLine(line);
        }
    }

    private static bool Condition(V1Job job, string type) =>
        job.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;
}
