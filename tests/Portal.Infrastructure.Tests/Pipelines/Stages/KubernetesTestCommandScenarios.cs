using System.Text;
using k8s;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Sandbox.Hosting;

namespace Portal.Infrastructure.Tests.Pipelines.Stages;

/// <summary>
/// A test command where the Kubernetes builder builds, against the sandbox cluster, which runs the command's Job as it
/// runs any Job: one pod that succeeds after a while (or fails, when its image's name says "fail"), with generated
/// log lines. It proves the Job the portal makes, the log followed, the verdict and the cleanup.
/// </summary>
public sealed class KubernetesTestCommandScenarios : IAsyncLifetime
{
    private const string Image =
        "registry.example.test/acme/shop@sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private static readonly Guid TenantId = Guid.NewGuid();

    private SandboxCluster _sandbox = null!;
    private IKubernetes _client = null!;
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
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _timeout.Dispose();
        await _sandbox.DisposeAsync();
    }

    [Fact]
    public async Task A_command_runs_as_a_Job_of_the_image_whose_log_is_followed_and_whose_success_is_exit_0()
    {
        var lines = new List<string>();

        var ran = await Commands().RunAsync(Command(Image, "npm test"), lines.Add, _timeout.Token);

        Assert.True(ran.Succeeded, ran.Problem?.Message);
        Assert.Equal(0, ran.Value.ExitCode);
        Assert.StartsWith("Test job acme--builds/test-", lines[0], StringComparison.Ordinal);
        Assert.True(lines.Count > 1, "The pod's log was not followed.");
        var job = (await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items.Single();
        Assert.Equal(0, job.Spec.BackoffLimit);
        var pod = job.Spec.Template.Spec;
        Assert.Equal(Image, pod.Containers[0].Image);
        Assert.Equal(["/bin/sh", "-c", "npm test"], pod.Containers[0].Command);
        Assert.Equal(RegistryPullSecret.Name, pod.ImagePullSecrets.Single().Name);
        Assert.False(pod.AutomountServiceAccountToken);
        var secret = await _client.CoreV1.ReadNamespacedSecretAsync(RegistryPullSecret.Name, "acme--builds");
        Assert.Equal(RegistryPullSecret.Type, secret.Type);
    }

    [Fact]
    public async Task A_failing_command_answers_its_exit_code_and_last_lines()
    {
        var ran = await Commands()
            .RunAsync(
                Command("registry.example.test/acme/fail@sha256:" + new string('3', 64)),
                _ => { },
                _timeout.Token
            );

        Assert.True(ran.Succeeded, ran.Problem?.Message);
        Assert.NotEqual(0, ran.Value.ExitCode);
        Assert.NotEmpty(ran.Value.LastLines);
    }

    [Fact]
    public async Task An_image_that_cannot_be_pulled_is_said_at_once_and_its_Job_deleted()
    {
        var ran = await Commands()
            .RunAsync(
                Command("registry.example.test/acme/notfound@sha256:" + new string('4', 64)),
                _ => { },
                _timeout.Token
            );

        Assert.Equal(ProblemKind.Unavailable, ran.Problem?.Kind);
        // The kubelet says ErrImagePull first and ImagePullBackOff from its next try; a slow look sees the second.
        Assert.Matches("ErrImagePull|ImagePullBackOff", ran.Problem!.Message);
        Assert.Empty((await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items);
    }

    [Fact]
    public async Task A_command_over_its_time_is_stopped_and_its_Job_deleted()
    {
        var ran = await Commands()
            .RunAsync(Command(Image) with { Timeout = TimeSpan.FromMilliseconds(700) }, _ => { }, _timeout.Token);

        Assert.Equal(ProblemKind.Unavailable, ran.Problem?.Kind);
        Assert.Contains("longer than its limit", ran.Problem!.Message, StringComparison.Ordinal);
        await Task.Delay(200);
        Assert.Empty((await _client.BatchV1.ListNamespacedJobAsync("acme--builds")).Items);
    }

    private static ImageCommand Command(string image, string command = "make test") =>
        new("acme", TenantId, image, command, TimeSpan.FromMinutes(1));

    private KubernetesImageCommands Commands()
    {
        var connection = new RegistryConnection(
            Options.Create(
                new RegistryOptions
                {
                    Embedded = false,
                    Url = "https://registry.example.test",
                    User = "pusher",
                    Password = "push-password",
                    PullUser = "puller",
                    PullPassword = "pull-password",
                }
            ),
            new RegistryPasswordSeal(new EphemeralDataProtectionProvider())
        );
        var settings = new KubernetesJobOptions { PollInterval = TimeSpan.FromMilliseconds(100) };
        return new KubernetesImageCommands(Options.Create(settings), connection, new OneCluster(_client));
    }

    private sealed class OneCluster(IKubernetes client) : IBuildClusters
    {
        public Task<Result<BuildCluster>> ForTenantAsync(string tenantSlug, CancellationToken ct) =>
            Task.FromResult<Result<BuildCluster>>(new BuildCluster(client, TenantId, PodPlacement.Anywhere));
    }
}
