using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>Real builds with buildah from the tiny base in the real registry, pushed back to it.</summary>
[Collection(LocalRegistryCollection.Name)]
public sealed class BuildahImageBuilderTests(LocalRegistry registry) : IDisposable
{
    private readonly DirectoryInfo _sources = Directory.CreateTempSubdirectory("portal-build-context-");
    private readonly List<BuildLogLine> _log = [];

    [SkippableFact]
    public async Task A_dockerfile_is_built_tested_and_pushed_under_its_tags_with_its_digest_and_config()
    {
        var build = Build(
            "acme",
            $"""
            FROM {registry.TinyBaseReference}
            COPY index.html /srv/index.html
            RUN mkdir -p /data && echo built > /data/stamp
            USER 1000
            EXPOSE 8080
            WORKDIR /srv
            ENTRYPOINT ["/bin/httpd", "-f", "-p", "8080"]
            """
        ) with
        {
            TestCommand = "test \"$(cat /data/stamp)\" = built && echo test passed",
        };

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.True(built.Succeeded, built.Problem?.Message);
        var image = built.Value;
        Assert.Equal($"{registry.Endpoint.Host}/{build.Repository}", image.Repository);
        Assert.Equal(["0123456789ab", "main"], image.Tags);
        Assert.Equal(new[] { "8080/tcp" }, image.Facts.ExposedPorts);
        Assert.Equal("1000", image.Facts.User);
        Assert.Equal(["/bin/httpd", "-f", "-p", "8080"], image.Facts.Entrypoint);
        Assert.Equal("/srv", image.Facts.WorkingDirectory);
        Assert.Equal([BuildStage.Build, BuildStage.Test, BuildStage.Push], image.Stages.Select(s => s.Stage));
        Assert.Contains(_log, l =>
            l.Stage == BuildStage.Build && l.Text.Contains("STEP 1/7", StringComparison.Ordinal)
        );
        Assert.Contains(_log, l => l.Stage == BuildStage.Test && l.Text == "test passed");
        using var client = new OciRegistryClient(registry.Endpoint);
        Assert.Equal(["0123456789ab", "main"], (await client.ListTagsAsync(build.Repository, default)).Value);
        Assert.Equal(image.Digest, (await client.GetManifestAsync(build.Repository, "main", default)).Value.Digest);
        Assert.Equal($"{image.Repository}@{image.Digest}", image.PinnedReference);
    }

    [SkippableFact]
    public async Task A_dockerfile_with_a_syntax_error_fails_with_its_last_lines_and_pushes_nothing()
    {
        var build = Build("acme", $"FROM {registry.TinyBaseReference}\nRUNN echo hello\n");

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.Equal(ProblemKind.Invalid, built.Problem?.Kind);
        Assert.Equal("Dockerfile", built.Problem!.Field);
        Assert.StartsWith(
            "The image did not build (buildah exited with 125).",
            built.Problem.Message,
            StringComparison.Ordinal
        );
        Assert.Contains("Unknown instruction: \"RUNN\"", built.Problem.Message, StringComparison.Ordinal);
        await AssertNothingPushedAsync(build.Repository);
        Assert.Empty(await Cli("acme").ContainersAsync(default));
    }

    [SkippableFact]
    public async Task A_failing_test_command_says_its_exit_code_and_the_image_is_not_pushed()
    {
        var build = Build("acme", $"FROM {registry.TinyBaseReference}\n") with
        {
            TestCommand = "echo two tests failed; exit 3",
        };

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.Equal(ProblemKind.Invalid, built.Problem?.Kind);
        Assert.Equal(
            "The test command exited with 3, so the image was not pushed. Its last lines: two tests failed",
            built.Problem!.Message
        );
        await AssertNothingPushedAsync(build.Repository);
        Assert.Empty(await Cli("acme").ContainersAsync(default));
    }

    [SkippableFact]
    public async Task A_cancelled_build_leaves_no_process_and_no_working_container()
    {
        var marker = Random.Shared.Next(100_000, 999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var build = Build("initech", $"FROM {registry.TinyBaseReference}\nRUN sleep {marker}\n");
        using var cancel = new CancellationTokenSource();
        var building = Builder()
            .BuildAsync(
                build,
                line =>
                {
                    if (line.Text.Contains($"RUN sleep {marker}", StringComparison.Ordinal))
                        cancel.CancelAfter(TimeSpan.FromSeconds(1));
                },
                cancel.Token
            );

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => building);

        Assert.Empty(ProcessesMentioning(marker));
        Assert.Empty(await Cli("initech").ContainersAsync(default));
    }

    [SkippableFact]
    public async Task A_build_over_its_time_is_stopped_and_says_so()
    {
        var build = Build("initech", $"FROM {registry.TinyBaseReference}\nRUN sleep 600\n") with
        {
            Timeout = TimeSpan.FromSeconds(3),
        };

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.Equal(ProblemKind.Unavailable, built.Problem?.Kind);
        Assert.Equal("The build took longer than its limit of 3 seconds and was stopped.", built.Problem!.Message);
        Assert.Empty(await Cli("initech").ContainersAsync(default));
    }

    [SkippableFact]
    public async Task A_push_the_registry_refuses_is_a_refusal_that_names_the_registry()
    {
        var build = Build("acme", "FROM scratch\nCOPY index.html /index.html\n");
        var refused = registry.Connection();
        refused.UseEmbedded(registry.Endpoint with { Password = "not-the-password" });

        var built = await Builder(refused).BuildAsync(build, _log.Add, default);

        Assert.Equal(ProblemKind.Forbidden, built.Problem?.Kind);
        Assert.StartsWith(
            $"The registry {registry.Endpoint.Host} refused the push",
            built.Problem!.Message,
            StringComparison.Ordinal
        );
        Assert.DoesNotContain("not-the-password", built.Problem.Message, StringComparison.Ordinal);
        await AssertNothingPushedAsync(build.Repository);
    }

    [SkippableFact]
    public async Task The_registry_password_never_reaches_the_build_log()
    {
        var password = registry.Endpoint.Password!;
        var build = Build("acme", $"FROM {registry.TinyBaseReference}\nARG LEAK\nRUN echo \"leaked: $LEAK\"\n") with
        {
            BuildArgs = new Dictionary<string, string> { ["LEAK"] = password },
        };

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.True(built.Succeeded, built.Problem?.Message);
        Assert.Contains(_log, l => l.Text == "leaked: ***");
        Assert.DoesNotContain(_log, l => l.Text.Contains(password, StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task A_build_into_another_tenants_repository_is_refused_before_anything_runs()
    {
        var build = Build("acme", "FROM scratch\n") with { Repository = ImageRepository.For("globex", "shop").Value };

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.Equal(ProblemKind.Invalid, built.Problem?.Kind);
        Assert.Equal("Repository", built.Problem!.Field);
        Assert.Empty(_log);
    }

    [SkippableFact]
    public async Task A_dockerfile_path_that_leaves_the_context_is_refused()
    {
        var build = Build("acme", "FROM scratch\n") with { Dockerfile = "../Dockerfile" };

        var built = await Builder().BuildAsync(build, _log.Add, default);

        Assert.Equal(ProblemKind.Invalid, built.Problem?.Kind);
        Assert.Equal("The Dockerfile path '../Dockerfile' must stay inside the build context.", built.Problem!.Message);
    }

    public void Dispose() => _sources.Delete(recursive: true);

    private ImageBuild Build(string tenant, string dockerfile)
    {
        var context = _sources.CreateSubdirectory(Guid.NewGuid().ToString("N"));
        File.WriteAllText(Path.Combine(context.FullName, "Dockerfile"), dockerfile);
        File.WriteAllText(Path.Combine(context.FullName, "index.html"), "<h1>hello</h1>");
        var app = $"app-{Guid.NewGuid():N}"[..14];
        return new ImageBuild(
            tenant,
            ImageRepository.For(tenant, app).Value,
            context.FullName,
            ["0123456789ab", "main"]
        );
    }

    private BuildahImageBuilder Builder(RegistryConnection? connection = null)
    {
        _ = registry.Process;
        var options = Options.Create(new BuildahOptions { StorageDirectory = Storage.Root, FailureLines = 5 });
        return new BuildahImageBuilder(options, new BuildSlots(2), connection ?? registry.Connection(), Storage);
    }

    private BuildStorage Storage => new(Path.Combine(registry.Folder.FullName, "builds"));

    private BuildahCli Cli(string tenant) => registry.Buildah(Storage.ForTenant(tenant));

    private async Task AssertNothingPushedAsync(ImageRepository repository)
    {
        using var client = new OciRegistryClient(registry.Endpoint);
        Assert.Empty((await client.ListTagsAsync(repository, default)).Value);
    }

    private static List<string> ProcessesMentioning(string marker) =>
        Directory
            .EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d =>
            {
                try
                {
                    return File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                }
                catch (IOException)
                {
                    return "";
                }
            })
            .Where(command => command.Contains(marker, StringComparison.Ordinal))
            .ToList();
}
