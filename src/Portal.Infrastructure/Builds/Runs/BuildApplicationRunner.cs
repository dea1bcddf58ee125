using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Builds.Runs;

/// <summary>A build ended without an image (failed in words, or cancelled); its operation fails with it.</summary>
public sealed class BuildEnded(string reason) : Exception(reason);

/// <summary>
/// Carries out one <see cref="Build"/>: fetches the commit into a folder of its own, chooses the recipe (the one it
/// was queued with, else the inspector's proposal), renders the Dockerfile beside the source under a name the source
/// cannot hold, builds, tests and pushes with the <see cref="IImageBuilder"/>, and records the pushed image with its
/// digest and size. Steps fetch, detect, build and push time each part in the operation's journal. A failure ends
/// the build in words; a cancel request, seen between steps and every few seconds while building, stops the builder.
/// The folder goes on every path. A build never touches workloads.
/// </summary>
public sealed class BuildApplicationRunner(
    PortalDbContext db,
    TenantScope currentTenant,
    AppSources sources,
    IGitClient gitClient,
    BuildArchives archives,
    RecipeCatalog catalog,
    IImageBuilder builder,
    IImageRegistry registry,
    BuildStorage storage,
    ImageRetentions retentions,
    IBuildLogSink sink,
    TimeProvider clock
) : IOperationRunner
{
    /// <summary>How often a running build looks for a cancel request and writes its log.</summary>
    public static TimeSpan PollEvery { get; set; } = TimeSpan.FromSeconds(1);

    public static string Kind => OperationKinds.BuildApplication;

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    public string Explain(Exception failure) =>
        failure is BuildEnded ? failure.Message : ClusterProblems.Explain(failure);

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        // A job's scope has no tenant of its own: the run works in its operation's, as its requests did.
        if (currentTenant.Tenant is null)
            currentTenant.Bind(await db.Tenants.FirstAsync(t => t.Id == operation.TenantId, ct));
        var build = await db.Builds.FirstOrDefaultAsync(b => b.OperationId == operation.Id, ct)
            ?? throw new OperationTargetGone("The build was deleted after it was queued.");
        try
        {
            await CarryOutAsync(build, operation, journal, ct);
        }
        finally
        {
            // An uploaded archive is kept for its build only: once the build has ended, whichever way, it goes.
            if (build.IsFinished)
                archives.Delete(build.Id);
        }
    }

    private async Task CarryOutAsync(Build build, Operation operation, OperationJournal journal, CancellationToken ct)
    {
        if (build.IsFinished)
            return;
        if (build.CancelRequested)
        {
            build.Cancelled(build.RequestedBy, Now);
            await journal.SaveAsync(operation, ct);
            throw new BuildEnded(build.Reason!);
        }
        if (build.StartedAt is not null)
            await EndAsync(
                build,
                operation,
                journal,
                BuildFailure.Builder,
                "The portal stopped while this build ran; build it again."
            );
        build.Start(Now);
        await journal.SaveAsync(operation, ct);

        var folder = Path.Combine(storage.Root, "work", build.Id.ToString("N"));
        PrivateFiles.DeleteQuietly(folder);
        try
        {
            await RunAsync(build, operation, journal, folder, ct);
        }
        finally
        {
            PrivateFiles.DeleteQuietly(folder);
        }
    }

    private async Task RunAsync(
        Build build,
        Operation operation,
        OperationJournal journal,
        string folder,
        CancellationToken ct
    )
    {
        var app = await db.Applications.AsNoTracking().FirstAsync(a => a.Id == build.ApplicationId, ct);
        var tenant = currentTenant.Tenant!;
        SourceToFetch? git = null;
        if (build.Archive is null)
        {
            var source = await sources.ToFetchAsync(build.ApplicationId, ct);
            if (!source.Succeeded)
                await EndAsync(build, operation, journal, BuildFailure.Source, source.Problem!.Message);
            git = source.Value;
        }
        var subDirectory = git?.Address.SubDirectory ?? SourceSubDirectory.Root;
        var lastSequence = await db
            .BuildLogChunks.Where(c => c.BuildId == build.Id)
            .MaxAsync(c => (int?)c.Sequence, ct);
        var log = new BuildLogWriter(
            db,
            sink,
            clock,
            build,
            (lastSequence ?? 0) + 1,
            [.. new[] { git?.Remote.Credential.Secret ?? "" }.Where(s => s.Length > 0)]
        );

        var checkoutFolder = Path.Combine(folder, "source");
        GitCheckout? checkout = null;
        await journal.StepAsync(
            operation,
            "fetch",
            async () =>
            {
                Directory.CreateDirectory(folder);
                if (build.Archive is { } archive)
                {
                    await UnpackAsync(build, archive, checkoutFolder, operation, journal, log, ct);
                    return;
                }
                var (_, address, remote) = git!;
                log.Line($"Fetching {build.Ref} from {address.Url}…");
                var fetched = await gitClient.FetchAsync(remote, build.Ref, address.SubDirectory, checkoutFolder, ct);
                if (!fetched.Succeeded)
                {
                    log.Line(fetched.Problem!.Message);
                    await log.FlushAsync(ct);
                    await EndAsync(build, operation, journal, BuildFailure.Source, fetched.Problem.Message);
                }
                checkout = fetched.Value;
                var commit = checkout.Commit;
                build.Fetched(new SourceCommit(commit.Sha, commit.Subject, commit.Author, commit.Time.UtcDateTime));
                log.Line($"Fetched {commit.ShortSha}: {commit.Subject}");
                await log.FlushAsync(ct);
                await sources.RememberHostKeysAsync(build.ApplicationId, checkout.KnownHosts, ct);
            },
            ct
        );
        await StopIfCancelledAsync(build, operation, journal, log, ct);

        var context = subDirectory.IsRoot ? checkoutFolder : Path.Combine(checkoutFolder, subDirectory.Value);
        RenderedDockerfile? rendered = null;
        await journal.StepAsync(
            operation,
            "detect",
            async () =>
            {
                var chosen = Choose(build, checkoutFolder, subDirectory, log);
                if (chosen.Succeeded)
                {
                    var render = catalog.Render(chosen.Value);
                    if (render.Succeeded)
                    {
                        rendered = render.Value;
                        build.Detected(chosen.Value);
                        log.Line($"Recipe: {chosen.Value.Recipe}.");
                        await log.FlushAsync(ct);
                        return;
                    }
                    chosen = render.Problem!;
                }
                log.Line(chosen.Problem!.Message);
                await log.FlushAsync(ct);
                await EndAsync(build, operation, journal, BuildFailure.Recipe, Describe(chosen.Problem));
            },
            ct
        );
        await StopIfCancelledAsync(build, operation, journal, log, ct);

        var dockerfile = rendered!.SourceDockerfile ?? WriteDockerfile(context, rendered.Text!);
        var repository = ImageRepository.For(tenant.Slug, app.Name);
        if (!repository.Succeeded)
            await EndAsync(build, operation, journal, BuildFailure.Builder, repository.Problem!.Message);
        var tags = TagsOf(build);
        var imageBuild = new ImageBuild(tenant.Slug, repository.Value, context, tags)
        {
            Dockerfile = dockerfile,
            Target = rendered.Target,
            TestCommand = rendered.TestCommand is { Count: > 0 } test ? ShellCommand(test) : null,
        };

        BuiltImage? built = null;
        await journal.StepAsync(
            operation,
            "build",
            async () =>
            {
                var result = await BuildWhileWatchingAsync(build, imageBuild, log, ct);
                await log.FlushAsync(ct);
                if (result is null)
                    await CancelledAsync(build, operation, journal);
                var done = result!.Value;
                if (!done.Succeeded)
                    await EndAsync(build, operation, journal, FailureOf(done.Problem!), done.Problem!.Message);
                built = done.Value;
            },
            ct
        );

        await journal.StepAsync(
            operation,
            "push",
            async () =>
            {
                var manifest = await registry.GetManifestAsync(repository.Value, built!.Digest, ct);
                if (!manifest.Succeeded)
                    await EndAsync(build, operation, journal, BuildFailure.Registry, manifest.Problem!.Message);
                log.Line($"Pushed {built.Repository}:{tags[0]} as {built.Digest}.");
                await log.FlushAsync(ct);
                build.Succeed(new PushedImage(built.Repository, tags[0], built.Digest, manifest.Value.Size ?? 0), Now);
            },
            ct
        );
        await ApplyRetentionAsync(build, app.Id, app.Name, log, ct);
    }

    /// <summary>
    /// Applies the application's retention rule once the image is pushed; a registry that refuses is written in the
    /// log and leaves the build as it is.
    /// </summary>
    private async Task ApplyRetentionAsync(
        Build build,
        Guid appId,
        string appName,
        BuildLogWriter log,
        CancellationToken ct
    )
    {
        Result<IReadOnlyList<RetainedImage>> applied;
        try
        {
            applied = await retentions.ApplyAsync(appId, appName, Actor.System, ct);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or DbUpdateException)
        {
            applied = Problem.Unavailable(e.Message);
        }
        if (!applied.Succeeded)
            log.Line($"The retention rule could not delete old images: {applied.Problem!.Message}");
        else if (applied.Value.Count > 0)
            log.Line(
                $"Retention: deleted {applied.Value.Count} old images ("
                    + string.Join(", ", applied.Value.SelectMany(i => i.Tags))
                    + $") after build {build.Number}."
            );
        await log.FlushAsync(ct);
    }

    /// <summary>
    /// Runs the builder, writing its log and looking for a cancel request every <see cref="PollEvery"/>; null when it
    /// was cancelled.
    /// </summary>
    private async Task<Result<BuiltImage>?> BuildWhileWatchingAsync(
        Build build,
        ImageBuild imageBuild,
        BuildLogWriter log,
        CancellationToken ct
    )
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var building = Task.Run(
            () => builder.BuildAsync(imageBuild, line => log.Line(line.Text), stop.Token),
            CancellationToken.None
        );
        while (!building.IsCompleted)
        {
            await Task.WhenAny(building, Task.Delay(PollEvery, ct));
            await log.FlushAsync(ct);
            if (!stop.IsCancellationRequested && await CancelRequestedAsync(build, ct))
                await stop.CancelAsync();
        }
        try
        {
            return await building;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private Task<bool> CancelRequestedAsync(Build build, CancellationToken ct) =>
        db.Builds.Where(b => b.Id == build.Id).Select(b => b.CancelRequested).FirstAsync(ct);

    private async Task StopIfCancelledAsync(
        Build build,
        Operation operation,
        OperationJournal journal,
        BuildLogWriter log,
        CancellationToken ct
    )
    {
        await log.FlushAsync(ct);
        if (await CancelRequestedAsync(build, ct))
            await CancelledAsync(build, operation, journal);
    }

    private async Task CancelledAsync(Build build, Operation operation, OperationJournal journal)
    {
        await db.Entry(build).ReloadAsync(CancellationToken.None);
        if (!build.IsFinished)
            build.Cancelled("request", Now);
        await journal.SaveAsync(operation, CancellationToken.None);
        throw new BuildEnded(build.Reason ?? "Cancelled.");
    }

    private Result<RecipeChoice> Choose(
        Build build,
        string checkoutFolder,
        SourceSubDirectory subDirectory,
        BuildLogWriter log
    )
    {
        if (build.RequestedRecipe is { } requested)
        {
            var recipe = catalog.Find(requested.Recipe);
            if (recipe is null)
                return Problem.Invalid("Recipe", $"There is no recipe '{requested.Recipe}'.");
            return recipe.Choose(requested.Values.ToDictionary(v => v.Key, v => (string?)v.Value));
        }
        var inspected = new SourceInspector(catalog).Inspect(
            checkoutFolder,
            subDirectory.IsRoot ? null : subDirectory.Value
        );
        if (!inspected.Succeeded)
            return inspected.Problem!;
        foreach (var note in inspected.Value.Notes)
            log.Line(note);
        if (inspected.Value.Proposal is not { } proposal)
            return Problem.Invalid("Recipe", "No recipe fits this source: choose one and build again.");
        foreach (var reason in proposal.Reasons)
            log.Line($"{proposal.Recipe}: {reason}");
        return catalog.Choose(proposal.Recipe, proposal.Values.ToDictionary(v => v.Key, v => (string?)v.Value));
    }

    /// <summary>Writes the rendered Dockerfile beside the source under a name no file of the source has.</summary>
    private static string WriteDockerfile(string context, string text)
    {
        var name = $".portal-build-{Guid.NewGuid():N}.Dockerfile";
        using (var file = new FileStream(Path.Combine(context, name), FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(file))
            writer.Write(text);
        return name;
    }

    private async Task EndAsync(
        Build build,
        Operation operation,
        OperationJournal journal,
        BuildFailure failure,
        string reason
    )
    {
        if (!build.IsFinished)
            build.Fail(failure, reason, Now);
        await journal.SaveAsync(operation, CancellationToken.None);
        throw new BuildEnded(reason);
    }

    private static BuildFailure FailureOf(Problem problem) =>
        problem.Kind switch
        {
            ProblemKind.Invalid when problem.Field == "TestCommand" => BuildFailure.Test,
            ProblemKind.Invalid when problem.Field == "BaseImage" => BuildFailure.BaseImage,
            ProblemKind.Invalid => BuildFailure.Compile,
            ProblemKind.Forbidden => BuildFailure.Registry,
            ProblemKind.Unavailable when problem.Message.Contains("longer than its limit", StringComparison.Ordinal) =>
                BuildFailure.Timeout,
            ProblemKind.Unavailable when problem.Message.Contains("registry", StringComparison.OrdinalIgnoreCase) =>
                BuildFailure.Registry,
            _ => BuildFailure.Builder,
        };

    private static string Describe(Problem problem) =>
        problem.Causes.Count > 0 ? string.Join(" ", problem.Causes.Select(c => c.Message)) : problem.Message;

    /// <summary>
    /// An archive's build is tagged by the archive's SHA-256; a commit's by its short hash, and by its branch when a
    /// branch was built.
    /// </summary>
    private static List<string> TagsOf(Build build)
    {
        if (build.Archive is { } archive)
            return [archive.ImageTag];
        var tags = new List<string> { ImageTags.ForCommit(build.Commit!.Sha).Value };
        if (ImageTags.ForBranch(build.Ref) is { Succeeded: true } branchTag && !build.Ref.StartsWith("refs/tags/"))
            if (!IsCommit(build.Ref) && !tags.Contains(branchTag.Value))
                tags.Add(branchTag.Value);
        return tags;
    }

    /// <summary>The fetch step of an archive's build: the archive kept for it is extracted as its source.</summary>
    private async Task UnpackAsync(
        Build build,
        BuildArchive archive,
        string checkoutFolder,
        Operation operation,
        OperationJournal journal,
        BuildLogWriter log,
        CancellationToken ct
    )
    {
        log.Line($"Extracting the uploaded archive {archive.FileName} (sha256 {archive.Sha256})…");
        var path = archives.PathOf(build.Id);
        var extracted = File.Exists(path)
            ? await archives.ExtractAsync(path, checkoutFolder, ct)
            : Problem.Invalid(
                BuildArchive.Field,
                $"The archive {archive.FileName} is no longer kept: upload it again."
            );
        if (!extracted.Succeeded)
        {
            log.Line(extracted.Problem!.Message);
            await log.FlushAsync(ct);
            await EndAsync(build, operation, journal, BuildFailure.Source, extracted.Problem.Message);
        }
        var files = extracted.Value;
        log.Line(
            $"Extracted {files.Files} files ({ArchiveSource.Size(files.Bytes)})"
                + (files.StrippedFolder is { } folder ? $" from its folder {folder}/." : ".")
        );
        await log.FlushAsync(ct);
    }

    private static bool IsCommit(string text) => ImageTags.ForCommit(text).Succeeded && text.Length >= 40;

    private static string ShellCommand(IReadOnlyList<string> argv) =>
        string.Join(' ', argv.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));

    /// <summary>An unexpected failure still ends the build, in a unit of work of its own.</summary>
    public async Task<string?> AfterFailureAsync(OperationFailure failure, CancellationToken ct)
    {
        var fresh = failure.Services.GetRequiredService<PortalDbContext>();
        var build = await fresh
            .Builds.IgnoreQueryFilters()
            .FirstOrDefaultAsync(b => b.OperationId == failure.Operation.Id, ct);
        if (build is null || build.IsFinished)
            return null;
        build.Fail(BuildFailure.Builder, failure.Operation.Error ?? failure.Exception.Message, Now);
        await fresh.SaveChangesAsync(ct);
        archives.Delete(build.Id);
        return null;
    }
}
