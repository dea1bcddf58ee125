using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>
/// Builds on this machine with buildah, a bounded number at once (<see cref="BuildSlots"/>): each tenant has its own
/// image storage, which is also its layer cache, so that no build sees another tenant's layers. A failed, timed-out or
/// cancelled build leaves no process and no working container behind.
/// </summary>
public sealed partial class BuildahImageBuilder(
    IOptions<BuildahOptions> options,
    BuildSlots slots,
    RegistryConnection registry,
    BuildStorage storage,
    BuildToolSetup? setup = null
) : IImageBuilder
{
    public async Task<Result<BuiltImage>> BuildAsync(ImageBuild build, Action<BuildLogLine> log, CancellationToken ct)
    {
        var settings = options.Value;
        var invalid = Check(build);
        if (invalid is not null)
            return invalid;
        var executable = BuildTools.Find(settings.Executable);
        if (executable is null)
            return Problem.Unavailable(
                setup?.StatusOf(settings.Executable, "building images").Sentence
                    ?? BuildTools.Missing(settings.Executable, "building images")
            );
        var endpoint = registry.Endpoint();
        if (!endpoint.Succeeded)
            return endpoint.Problem!;

        using var slot = await slots.AcquireAsync(build.Tenant, ct, ahead =>
            log(new BuildLogLine(BuildStage.Queued, $"Waiting for a build slot ({ahead} ahead in the queue)."))
        );
        var timeout = build.Timeout is { } asked && asked < settings.Timeout ? asked : settings.Timeout;
        using var overTime = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, overTime.Token);
        var cli = new BuildahCli(executable, storage.ForTenant(build.Tenant), settings.StorageDriver);
        using var access = RegistryAccessFiles.Create(endpoint.Value);
        var before = await cli.ContainersAsync(ct);
        var succeeded = false;
        try
        {
            var built = await BuildTestAndPushAsync(cli, access, build, log, linked.Token);
            succeeded = built.Succeeded;
            return built;
        }
        catch (OperationCanceledException) when (overTime.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            var limit =
                timeout >= TimeSpan.FromMinutes(1)
                    ? $"{timeout.TotalMinutes:0.#} minutes"
                    : $"{timeout.TotalSeconds:0} seconds";
            return Problem.Unavailable($"The build took longer than its limit of {limit} and was stopped.");
        }
        finally
        {
            if (!succeeded)
            {
                var left = await cli.ContainersAsync(CancellationToken.None);
                await cli.RemoveContainersAsync(left.Except(before));
            }
        }
    }

    private async Task<Result<BuiltImage>> BuildTestAndPushAsync(
        BuildahCli cli,
        RegistryAccessFiles access,
        ImageBuild build,
        Action<BuildLogLine> log,
        CancellationToken ct
    )
    {
        var failureLines = options.Value.FailureLines;
        var repository = $"{access.Endpoint.Host}/{build.Repository}";
        var references = build.Tags.Select(tag => $"{repository}:{tag}").ToList();
        var stages = new List<BuildStageTime>();
        var clock = Stopwatch.StartNew();

        List<string> bud = ["bud", "--isolation", "chroot", "--layers", "--force-rm", "--authfile", access.AuthFile];
        bud.AddRange(["-f", Path.Combine(build.ContextDirectory, build.Dockerfile)]);
        if (build.Target is { Length: > 0 } target)
            bud.AddRange(["--target", target]);
        foreach (var (name, value) in build.BuildArgs)
            bud.AddRange(["--build-arg", $"{name}={value}"]);
        foreach (var reference in references)
            bud.AddRange(["-t", reference]);
        bud.Add(build.ContextDirectory);
        var built = await cli.RunAsync(bud, line => log(new BuildLogLine(BuildStage.Build, line)), access, ct);
        stages.Add(new BuildStageTime(BuildStage.Build, clock.Elapsed));
        if (!built.Succeeded && MissingBaseImage(built) is { } missing)
            return Problem.Invalid(
                "BaseImage",
                $"Base image missing: {missing} is not in its registry, so nothing was built. Make the local base "
                    + "images again, or choose a version or image the registry holds."
            );
        if (!built.Succeeded)
            return Problem.Invalid(
                "Dockerfile",
                $"The image did not build (buildah exited with {built.ExitCode}). Its last lines: "
                    + BuildahCli.Last(built, failureLines)
            );

        if (build.TestCommand is { Length: > 0 } test)
        {
            clock.Restart();
            var lines = new Queue<string>();
            var exit = await cli.RunInImageAsync(
                references[0],
                test,
                line =>
                {
                    lines.Enqueue(line);
                    if (lines.Count > failureLines)
                        lines.Dequeue();
                    log(new BuildLogLine(BuildStage.Test, line));
                },
                ct
            );
            stages.Add(new BuildStageTime(BuildStage.Test, clock.Elapsed));
            if (exit != 0)
                return Problem.Invalid(
                    "TestCommand",
                    $"The test command exited with {exit}, so the image was not pushed. Its last lines: "
                        + string.Join(" | ", lines)
                );
        }

        clock.Restart();
        string? digest = null;
        foreach (var reference in references)
        {
            var pushed = await cli.PushAsync(
                reference,
                access,
                line => log(new BuildLogLine(BuildStage.Push, line)),
                ct
            );
            if (!pushed.Succeeded)
                return pushed.Problem!;
            digest ??= pushed.Value;
        }
        stages.Add(new BuildStageTime(BuildStage.Push, clock.Elapsed));

        var facts = await cli.InspectAsync(references[0], ct);
        if (!facts.Succeeded)
            return facts.Problem!;
        return new BuiltImage(repository, digest!, build.Tags, facts.Value, stages);
    }

    /// <summary>Why this build cannot start, or null.</summary>
    public static Problem? Check(ImageBuild build)
    {
        if (
            !TenantFolder().IsMatch(build.Tenant)
            || !build.Repository.Value.StartsWith(build.Tenant + "/", StringComparison.Ordinal)
        )
            return Problem.Invalid(
                "Repository",
                $"A build of tenant '{build.Tenant}' pushes to its own repositories ('{build.Tenant}/…'), "
                    + $"not to '{build.Repository}'."
            );
        if (build.Tags.Count == 0 || build.Tags.Any(tag => !ImageTags.IsValid(tag)))
            return Problem.Invalid(
                "Tags",
                "A build needs at least one tag, each of up to 128 letters, digits, '_', '.' and '-'."
            );
        if (!Directory.Exists(build.ContextDirectory))
            return Problem.Invalid("ContextDirectory", $"The build context '{build.ContextDirectory}' does not exist.");
        var context = Path.GetFullPath(build.ContextDirectory) + Path.DirectorySeparatorChar;
        var dockerfile = Path.GetFullPath(Path.Combine(context, build.Dockerfile));
        if (Path.IsPathRooted(build.Dockerfile) || !dockerfile.StartsWith(context, StringComparison.Ordinal))
            return Problem.Invalid(
                "Dockerfile",
                $"The Dockerfile path '{build.Dockerfile}' must stay inside the build context."
            );
        if (!File.Exists(dockerfile))
            return Problem.Invalid("Dockerfile", $"There is no Dockerfile at '{build.Dockerfile}' in the source.");
        if (build.Target is { Length: > 0 } target && !StageName().IsMatch(target))
            return Problem.Invalid("Target", $"'{target}' is not a build stage name.");
        var badArgument = build.BuildArgs.Keys.FirstOrDefault(name => !ArgumentName().IsMatch(name));
        if (badArgument is not null)
            return Problem.Invalid("BuildArgs", $"'{badArgument}' is not a build argument name.");
        return null;
    }

    /// <summary>
    /// The image a FROM line names that the registry does not have, when that is why the build failed.
    /// </summary>
    private static string? MissingBaseImage(ToolOutcome built) =>
        built
            .LastLines.Select(line => PullRefused().Match(line))
            .Where(match => match.Success)
            .Select(match => match.Groups["image"].Value)
            .LastOrDefault();

    [GeneratedRegex(
        "initializing source docker://(?<image>[^:\\s]+(:[0-9]+)?/[^\\s:@]+([:@][^\\s:]+)?):.*"
            + "(manifest unknown|name unknown|not found)",
        RegexOptions.IgnoreCase
    )]
    private static partial Regex PullRefused();

    [GeneratedRegex("\\A[a-z0-9]([a-z0-9-]*[a-z0-9])?\\z")]
    private static partial Regex TenantFolder();

    [GeneratedRegex("\\A[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\\z")]
    private static partial Regex StageName();

    [GeneratedRegex("\\A[A-Za-z_][A-Za-z0-9_]{0,127}\\z")]
    private static partial Regex ArgumentName();
}
