using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Builds.Registry;
using Portal.Sandbox.Hosting;

namespace Portal.Infrastructure.Tests.Builds.Kubernetes;

/// <summary>
/// The Kubernetes builder against the sandbox cluster, which runs the build's Job as it runs any Job: one pod that
/// succeeds after a while (or fails, when its image's name says "fail"), with generated log lines. It proves the
/// objects the builder makes, the flow (log followed, verdict from the Job's status) and the cleanup; BuildKit itself
/// does not run here.
/// </summary>
public sealed class KubernetesJobBuilderScenarios : IAsyncLifetime
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Password = "push-password-never-shown";
    private static readonly Guid TenantId = Guid.NewGuid();

    private SandboxCluster _sandbox = null!;
    private IKubernetes _client = null!;
    private readonly string _context = Directory.CreateTempSubdirectory("portal-kjob-").FullName;
    private readonly FakeRegistry _registry = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxCluster.StartAsync(
            new SandboxOptions
            {
                NodeCount = 1,
                PodStartDelay = TimeSpan.FromMilliseconds(50),
                JobPodDuration = TimeSpan.FromMilliseconds(1500),
                LogLineInterval = TimeSpan.FromMilliseconds(100),
            }
        );
        _client = new k8s.Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(Encoding.UTF8.GetBytes(_sandbox.Kubeconfig))
            )
        );
        await File.WriteAllTextAsync(Path.Combine(_context, "Dockerfile"), "FROM busybox\nUSER 1000\n");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _timeout.Dispose();
        await _sandbox.DisposeAsync();
        Directory.Delete(_context, recursive: true);
    }

    private KubernetesJobBuilder Builder(
        string image = "moby/buildkit:rootless",
        string registryUrl = "https://registry.example.test",
        int maxContextBytes = 700 * 1024
    )
    {
        var settings = new KubernetesJobOptions
        {
            BuildKitImage = image,
            PollInterval = TimeSpan.FromMilliseconds(100),
            MaxContextBytes = maxContextBytes,
        };
        var connection = new RegistryConnection(
            Options.Create(
                new RegistryOptions
                {
                    Embedded = false,
                    Url = registryUrl,
                    User = "pusher",
                    Password = Password,
                }
            ),
            new RegistryPasswordSeal(new EphemeralDataProtectionProvider())
        );
        return new KubernetesJobBuilder(Options.Create(settings), connection, () => _registry, new OneCluster(_client));
    }

    private ImageBuild Build() =>
        new("acme", ImageRepository.Parse("acme/shop").Value, _context, ["3f2a9c1b7d4e", "main"]);

    [Fact]
    public async Task A_build_runs_as_a_Job_whose_log_is_followed_and_whose_success_gives_the_pushed_digest()
    {
        var lines = new List<BuildLogLine>();

        var built = await Builder().BuildAsync(Build(), lines.Add, _timeout.Token);

        Assert.True(built.Succeeded, built.Problem?.Message);
        Assert.Equal("registry.example.test/acme/shop@" + Digest, built.Value.PinnedReference);
        Assert.Contains(lines, l => l.Text.Contains("starting buildkit", StringComparison.Ordinal));
        var job = (await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items.Single();
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Contains(job.Status.Conditions, c => c.Type == "Complete" && c.Status == "True");
        var ns = await _client.CoreV1.ReadNamespaceAsync("acme--builds");
        Assert.Equal(TenantId.ToString(), ns.Metadata.Labels["portal/tenant-id"]);
        Assert.Empty((await _client.CoreV1.ListNamespacedSecretAsync("acme--builds")).Items);
        Assert.DoesNotContain(lines, l => l.Text.Contains(Password, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_Job_carries_the_context_and_push_credentials_in_Secrets_made_for_it()
    {
        var seen = new List<V1Secret>();
        var built = await Builder()
            .BuildAsync(
                Build(),
                line =>
                {
                    if (seen.Count == 0 && line.Text.StartsWith("Build job", StringComparison.Ordinal))
                        seen.AddRange(_client.CoreV1.ListNamespacedSecret("acme--builds").Items);
                },
                _timeout.Token
            );

        Assert.True(built.Succeeded, built.Problem?.Message);
        Assert.Equal(
            ["Opaque", "kubernetes.io/dockerconfigjson"],
            seen.OrderBy(s => s.Type, StringComparer.Ordinal).Select(s => s.Type)
        );
        var context = seen.Single(s => s.Type == "Opaque").Data[BuildJobManifests.ContextKey];
        Assert.Equal(0x1f, context[0]);
    }

    [Fact]
    public async Task A_failing_build_fails_with_its_last_lines_and_leaves_no_Secret()
    {
        var lines = new List<BuildLogLine>();
        var built = await Builder(image: "example/buildkit-fail:rootless")
            .BuildAsync(Build(), lines.Add, _timeout.Token);

        Assert.False(built.Succeeded);
        Assert.Equal(ProblemKind.Invalid, built.Problem!.Kind);
        Assert.Contains("did not build", built.Problem.Message, StringComparison.Ordinal);
        Assert.EndsWith(lines[^1].Text, built.Problem.Message, StringComparison.Ordinal);
        Assert.Empty((await _client.CoreV1.ListNamespacedSecretAsync("acme--builds")).Items);
    }

    [Fact]
    public async Task A_BuildKit_image_that_cannot_be_pulled_is_said_at_once()
    {
        var built = await Builder(image: "example/buildkit-notfound:rootless")
            .BuildAsync(Build(), _ => { }, _timeout.Token);

        Assert.Equal(ProblemKind.Unavailable, built.Problem!.Kind);
        Assert.Contains("ErrImagePull", built.Problem.Message, StringComparison.Ordinal);
        Assert.Empty((await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items);
    }

    [Fact]
    public async Task Cancelling_a_build_deletes_its_Job_its_pod_and_its_Secrets()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token);
        var builder = Builder();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            builder.BuildAsync(
                Build(),
                line =>
                {
                    if (line.Text.Contains("starting buildkit", StringComparison.Ordinal))
                        cancel.Cancel();
                },
                cancel.Token
            )
        );

        Assert.Empty((await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items);
        Assert.Empty((await _client.CoreV1.ListNamespacedPodAsync("acme--builds")).Items);
        Assert.Empty((await _client.CoreV1.ListNamespacedSecretAsync("acme--builds")).Items);
    }

    [Fact]
    public async Task A_build_over_its_time_is_stopped_and_its_Job_deleted()
    {
        var built = await Builder()
            .BuildAsync(Build() with { Timeout = TimeSpan.FromMilliseconds(700) }, _ => { }, _timeout.Token);

        Assert.Equal(ProblemKind.Unavailable, built.Problem!.Kind);
        Assert.Contains("longer than its limit", built.Problem.Message, StringComparison.Ordinal);
        Assert.Empty((await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items);
        Assert.Empty((await _client.CoreV1.ListNamespacedSecretAsync("acme--builds")).Items);
    }

    [Fact]
    public async Task A_namespace_of_that_name_that_is_not_the_tenant_s_build_namespace_is_left_alone()
    {
        await _client.CoreV1.CreateNamespaceAsync(
            new V1Namespace { Metadata = new V1ObjectMeta { Name = "acme--builds" } },
            cancellationToken: _timeout.Token
        );

        var built = await Builder().BuildAsync(Build(), _ => { }, _timeout.Token);

        Assert.Equal(ProblemKind.Conflict, built.Problem!.Kind);
        Assert.Empty((await _client.CoreV1.ListNamespacedSecretAsync("acme--builds")).Items);
        Assert.Empty((await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items);
    }

    [Fact]
    public async Task A_registry_on_the_portal_s_loopback_is_refused_before_anything_is_made()
    {
        var built = await Builder(registryUrl: "http://127.0.0.1:5000").BuildAsync(Build(), _ => { }, _timeout.Token);

        Assert.Equal(ProblemKind.Unavailable, built.Problem!.Kind);
        Assert.Contains("loopback", built.Problem.Message, StringComparison.Ordinal);
        await AssertNoBuildNamespaceAsync();
    }

    [Fact]
    public async Task A_context_over_the_limit_is_refused_before_anything_is_made()
    {
        await File.WriteAllBytesAsync(
            Path.Combine(_context, "noise.bin"),
            System.Security.Cryptography.RandomNumberGenerator.GetBytes(64 * 1024),
            _timeout.Token
        );

        var built = await Builder(maxContextBytes: 32 * 1024).BuildAsync(Build(), _ => { }, _timeout.Token);

        Assert.Equal(ProblemKind.Invalid, built.Problem!.Kind);
        Assert.Contains("KiB", built.Problem.Message, StringComparison.Ordinal);
        await AssertNoBuildNamespaceAsync();
    }

    private async Task AssertNoBuildNamespaceAsync()
    {
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CoreV1.ReadNamespaceAsync("acme--builds")
        );
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    private sealed class OneCluster(IKubernetes client) : IBuildClusters
    {
        public Task<Result<BuildCluster>> ForTenantAsync(string tenantSlug, CancellationToken ct) =>
            Task.FromResult<Result<BuildCluster>>(new BuildCluster(client, TenantId, PodPlacement.Anywhere));
    }

    /// <summary>A registry that knows one pushed manifest, as BuildKit would have left it.</summary>
    private sealed class FakeRegistry : IImageRegistry
    {
        public string Host => "registry.example.test";

        public Task<Result> PingAsync(CancellationToken ct) => Task.FromResult(Result.Ok());

        public Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct) =>
            Task.FromResult<Result<IReadOnlyList<string>>>(new List<string> { "3f2a9c1b7d4e", "main" });

        public Task<Result<RegistryManifest>> GetManifestAsync(
            ImageRepository repository,
            string reference,
            CancellationToken ct
        ) =>
            Task.FromResult<Result<RegistryManifest>>(
                new RegistryManifest(Digest, OciRegistryClient.OciManifest, 1234, IsIndex: false)
            );

        public Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct) =>
            Task.FromResult(Result.Ok());
    }
}
