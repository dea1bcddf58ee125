using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Environments;

namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>
/// Builds in the cluster of the tenant's pool, as a Job of rootless BuildKit in the tenant's build namespace
/// (<see cref="BuildNamespace"/>, <see cref="BuildJobManifests"/>). The log is BuildKit's, read through the pod log
/// API as it comes; the result is the Job's status; the digest is BuildKit's metadata (the container's termination
/// message), or else the registry's manifest of the first tag. The Secrets go when the build ends, however it ends;
/// the Job stays for <see cref="KubernetesJobOptions.KeepFinished"/> unless the build is cancelled or stopped, which
/// deletes it (and its pod) at once.
/// </summary>
public sealed class KubernetesJobBuilder(
    IOptions<KubernetesJobOptions> options,
    RegistryConnection registry,
    Func<IImageRegistry> images,
    IBuildClusters clusters
) : IImageBuilder
{
    private static readonly TimeSpan DeletionWait = TimeSpan.FromSeconds(30);

    public async Task<Result<BuiltImage>> BuildAsync(ImageBuild build, Action<BuildLogLine> log, CancellationToken ct)
    {
        var settings = options.Value;
        var invalid = BuildahImageBuilder.Check(build);
        if (invalid is not null)
            return invalid;
        if (build.TestCommand is { Length: > 0 })
            return Problem.Invalid(
                "TestCommand",
                "The Kubernetes builder does not run test commands yet: build without one, or with the local builder."
            );
        var endpoint = registry.Endpoint();
        if (!endpoint.Succeeded)
            return endpoint.Problem!;
        if (endpoint.Value.BaseAddress.IsLoopback)
            return Problem.Unavailable(
                $"The registry at {endpoint.Value.Host} is on the portal's loopback, which a build in a cluster cannot "
                    + $"reach: set {RegistryOptions.Section}:Url to a registry the cluster can push to."
            );
        var context = await PackAsync(build.ContextDirectory, ct);
        if (context.Length > settings.MaxContextBytes)
            return Problem.Invalid(
                "ContextDirectory",
                $"The build context is {context.Length / 1024} KiB compressed; the Kubernetes builder takes up to "
                    + $"{settings.MaxContextBytes / 1024} KiB. Leave build outputs and dependencies out of the source."
            );
        var cluster = await clusters.ForTenantAsync(build.Tenant, ct);
        if (!cluster.Succeeded)
            return cluster.Problem!;
        var client = cluster.Value.Client;
        string ns;
        try
        {
            ns = await BuildNamespace.EnsureAsync(client, build.Tenant, cluster.Value.TenantId, ct);
        }
        catch (NamespaceNotOwnedException e)
        {
            return Problem.Conflict(e.Message);
        }

        var timeout = build.Timeout is { } asked && asked < settings.Timeout ? asked : settings.Timeout;
        var plan = new BuildJobPlan(
            $"build-{Guid.NewGuid():N}"[..18],
            ns,
            cluster.Value.TenantId,
            build,
            endpoint.Value,
            context,
            timeout,
            cluster.Value.Placement
        );
        using var overTime = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, overTime.Token);
        JobRun? run = null;
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(
                BuildJobManifests.PushSecret(plan),
                ns,
                cancellationToken: ct
            );
            await client.CoreV1.CreateNamespacedSecretAsync(
                BuildJobManifests.ContextSecret(plan),
                ns,
                cancellationToken: ct
            );
            await client.BatchV1.CreateNamespacedJobAsync(
                BuildJobManifests.Job(plan, settings),
                ns,
                cancellationToken: ct
            );
            log(new BuildLogLine(BuildStage.Build, $"Build job {ns}/{plan.Name} created."));
            run = new JobRun(client, plan, settings, log);
            var ended = await run.FollowAsync(linked.Token);
            return ended.Succeeded ? await FinishAsync(plan, ended.Value, run, ct) : ended.Problem!;
        }
        catch (OperationCanceledException) when (overTime.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return TookTooLong(timeout);
        }
        finally
        {
            await CleanUpAsync(client, plan, deleteJob: run?.Finished != true);
        }
    }

    private async Task<Result<BuiltImage>> FinishAsync(
        BuildJobPlan plan,
        string? terminationMessage,
        JobRun run,
        CancellationToken ct
    )
    {
        var repository = $"{plan.Registry.Host}/{plan.Build.Repository}";
        var digest = DigestFromMetadata(terminationMessage);
        if (digest is null)
        {
            var manifest = await images().GetManifestAsync(plan.Build.Repository, plan.Build.Tags[0], ct);
            if (!manifest.Succeeded)
                return Problem.Unavailable(
                    $"The build job ended well but the image {repository}:{plan.Build.Tags[0]} cannot be read back "
                        + $"from the registry: {manifest.Problem!.Message}"
                );
            digest = manifest.Value.Digest;
        }
        // What the image's config says is not read back yet: BuildKit's metadata does not carry it.
        var facts = new ImageFacts([], null, [], [], null);
        return new BuiltImage(repository, digest, plan.Build.Tags, facts, run.Stages());
    }

    /// <summary>The pushed manifest's digest in BuildKit's <c>--metadata-file</c> JSON, or null.</summary>
    public static string? DigestFromMetadata(string? metadata)
    {
        if (string.IsNullOrWhiteSpace(metadata))
            return null;
        try
        {
            using var json = JsonDocument.Parse(metadata);
            return
                json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("containerimage.digest", out var digest)
                && OciRegistryClient.IsDigest(digest.GetString())
                ? digest.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Problem TookTooLong(TimeSpan timeout)
    {
        var limit =
            timeout >= TimeSpan.FromMinutes(1)
                ? $"{timeout.TotalMinutes:0.#} minutes"
                : $"{timeout.TotalSeconds:0} seconds";
        return Problem.Unavailable($"The build took longer than its limit of {limit} and was stopped.");
    }

    /// <summary>
    /// The Secrets always; the Job and its pod when the build did not end by itself (cancelled, over time, or the
    /// portal lost track of it), waiting a little for them to be gone.
    /// </summary>
    private static async Task CleanUpAsync(IKubernetes client, BuildJobPlan plan, bool deleteJob)
    {
        using var bounded = new CancellationTokenSource(DeletionWait);
        var ct = bounded.Token;
        try
        {
            if (deleteJob)
                await IgnoreMissingAsync(() =>
                    client.BatchV1.DeleteNamespacedJobAsync(
                        plan.Name,
                        plan.Namespace,
                        propagationPolicy: "Foreground",
                        cancellationToken: ct
                    )
                );
            await IgnoreMissingAsync(() =>
                client.CoreV1.DeleteNamespacedSecretAsync(plan.PushSecretName, plan.Namespace, cancellationToken: ct)
            );
            await IgnoreMissingAsync(() =>
                client.CoreV1.DeleteNamespacedSecretAsync(plan.ContextSecretName, plan.Namespace, cancellationToken: ct)
            );
            while (deleteJob && await ExistsAsync(client, plan, ct))
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
        catch (Exception e) when (e is OperationCanceledException or HttpOperationException or HttpRequestException)
        {
            // The Job's ttlSecondsAfterFinished and activeDeadlineSeconds still bound what is left.
        }
    }

    private static async Task<bool> ExistsAsync(IKubernetes client, BuildJobPlan plan, CancellationToken ct)
    {
        try
        {
            await client.BatchV1.ReadNamespacedJobAsync(plan.Name, plan.Namespace, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private static async Task IgnoreMissingAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound) { }
    }

    /// <summary>The context folder as a tar.gz, its links kept as links (the context was checked before).</summary>
    public static async Task<byte[]> PackAsync(string directory, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            await TarFile.CreateFromDirectoryAsync(directory, gzip, includeBaseDirectory: false, ct);
        return buffer.ToArray();
    }
}
