using System.Text;
using k8s.Models;
using Portal.Domain.Builds;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds.Kubernetes;

public sealed class BuildJobManifestTests
{
    private static readonly Guid TenantId = Guid.Parse("6f1c1d2e-0000-4000-8000-000000000001");

    internal static BuildJobPlan Plan(
        RegistryEndpoint? registry = null,
        Func<ImageBuild, ImageBuild>? change = null,
        PodPlacement? placement = null
    )
    {
        var build = new ImageBuild(
            "acme",
            ImageRepository.Parse("acme/shop").Value,
            "/tmp/context",
            ["3f2a9c1b7d4e", "main"]
        )
        {
            Dockerfile = "docker/Dockerfile.prod",
            Target = "runtime",
            BuildArgs = new Dictionary<string, string> { ["VERSION"] = "1.2.3", ["NOTE"] = "$(rm -rf /); `x` 'y'" },
        };
        return new BuildJobPlan(
            "build-0123456789ab",
            "acme--builds",
            TenantId,
            change is null ? build : change(build),
            registry ?? new RegistryEndpoint(new Uri("https://registry.example.com"), "pusher", "not-a-real-password"),
            Encoding.UTF8.GetBytes("a tar.gz would be here"),
            TimeSpan.FromMinutes(20),
            placement
                ?? new PodPlacement(
                    NodeSelector.Parse("portal/pool=builders").Value,
                    new NodeTaint("portal/pool", "builders", "NoSchedule")
                )
        );
    }

    [Theory]
    [InlineData("job.json")]
    [InlineData("push-secret.json")]
    [InlineData("context-secret.json")]
    [InlineData("namespace.json")]
    public void A_build_s_objects_render_as_their_golden_files(string file)
    {
        var plan = Plan();
        object rendered = file switch
        {
            "job.json" => BuildJobManifests.Job(plan, new KubernetesJobOptions()),
            "push-secret.json" => BuildJobManifests.PushSecret(plan),
            "context-secret.json" => BuildJobManifests.ContextSecret(plan),
            _ => BuildNamespace.Render("acme", TenantId),
        };

        Assert.Null(BuildJobGolden.Check(file, rendered));
    }

    [Fact]
    public void Build_arguments_reach_BuildKit_as_arguments_and_never_through_the_shell()
    {
        var job = BuildJobManifests.Job(Plan(), new KubernetesJobOptions());
        var container = job.Spec.Template.Spec.Containers.Single();

        Assert.Contains("--opt", container.Args);
        Assert.Contains("build-arg:NOTE=$(rm -rf /); `x` 'y'", container.Args);
        Assert.DoesNotContain("rm -rf", container.Command[2], StringComparison.Ordinal);
        Assert.Contains("\"$@\"", container.Command[2], StringComparison.Ordinal);
    }

    [Fact]
    public void The_registry_is_called_insecure_only_when_it_skips_TLS()
    {
        var checkedTls = BuildJobManifests.BuildArguments(Plan());
        var plainHttp = BuildJobManifests.BuildArguments(
            Plan(new RegistryEndpoint(new Uri("http://registry.internal:5000"), null, null))
        );

        Assert.DoesNotContain(checkedTls, a => a.Contains("registry.insecure", StringComparison.Ordinal));
        Assert.Contains(
            "type=image,\"name=registry.internal:5000/acme/shop:3f2a9c1b7d4e,registry.internal:5000/acme/shop:main\","
                + "push=true,registry.insecure=true",
            plainHttp
        );
    }

    [Fact]
    public void A_Dockerfile_at_the_context_s_root_is_read_from_the_context_itself()
    {
        var arguments = BuildJobManifests.BuildArguments(Plan(change: b => b with { Dockerfile = "Dockerfile" }));

        Assert.Contains("dockerfile=/workspace/context", arguments);
        Assert.Contains("filename=Dockerfile", arguments);
    }

    [Fact]
    public void A_pool_without_selector_or_taint_puts_no_node_constraint_on_the_build()
    {
        var job = BuildJobManifests.Job(Plan(placement: PodPlacement.Anywhere), new KubernetesJobOptions());

        Assert.Null(job.Spec.Template.Spec.NodeSelector);
        Assert.Null(job.Spec.Template.Spec.Tolerations);
    }

    [Fact]
    public void Push_credentials_are_for_the_registry_alone_and_without_a_user_there_are_none()
    {
        var anonymous = BuildJobManifests.PushSecret(
            Plan(new RegistryEndpoint(new Uri("https://r.example"), null, null))
        );

        Assert.Equal("{\"auths\":{}}", Encoding.UTF8.GetString(anonymous.Data[".dockerconfigjson"]));
    }

    [Theory]
    [InlineData(
        "{\"containerimage.digest\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}",
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    )]
    [InlineData("{\"containerimage.digest\":\"not a digest\"}", null)]
    [InlineData("error: failed to solve: process \"/bin/sh -c make\" did not complete successfully", null)]
    [InlineData("", null)]
    public void The_digest_is_read_from_BuildKit_s_metadata_and_nothing_else(string message, string? digest)
    {
        Assert.Equal(digest, KubernetesJobBuilder.DigestFromMetadata(message));
    }

    [Fact]
    public void Settings_out_of_range_say_which()
    {
        Assert.Null(new KubernetesJobOptions().Invalid());
        Assert.Contains("CpuLimit", new KubernetesJobOptions { CpuLimit = "two" }.Invalid());
        Assert.Contains("MaxContextBytes", new KubernetesJobOptions { MaxContextBytes = 2_000_000 }.Invalid());
    }

    [Fact]
    public void No_environment_namespace_can_be_a_build_namespace()
    {
        Assert.Equal("acme--builds", BuildNamespace.For("acme"));
        Assert.NotEqual(BuildNamespace.For("acme"), NamespaceName.For("acme", "builds"));
        Assert.DoesNotContain("--", NamespaceName.For("acme-", "-builds"), StringComparison.Ordinal);
    }

    private static V1Job Job() => BuildJobManifests.Job(Plan(), new KubernetesJobOptions());

    [Fact]
    public void A_failed_build_is_not_retried_and_is_bounded_in_time()
    {
        var job = Job();

        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal(1200, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal(600, job.Spec.TtlSecondsAfterFinished);
        Assert.False(job.Spec.Template.Spec.AutomountServiceAccountToken);
    }
}
