using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Runs;

/// <summary>
/// A build of an uploaded archive asked for: its file name as uploaded, its bytes, and a recipe with its values, or
/// none to take the inspector's proposal.
/// </summary>
public sealed record QueueArchiveBuild(
    string AppName,
    string? FileName,
    Stream Content,
    string? Recipe = null,
    IReadOnlyDictionary<string, string?>? Values = null
);

public sealed partial class Builds
{
    /// <summary>
    /// Queues a build of an uploaded archive, a one-off source for an application with or without a Git source. The
    /// archive is written under the data folder within its size limit and extracted once to check it (paths leaving
    /// it, links out, devices, limits) and that a recipe fits; a refusal saves nothing and leaves no file. The build
    /// keeps the archive until it ends.
    /// </summary>
    public async Task<Result<Build>> QueueArchiveAsync(QueueArchiveBuild request, CancellationToken ct)
    {
        var buildable = await BuildableAsync(request.AppName, ct);
        if (!buildable.Succeeded)
            return buildable.Problem!;
        var app = buildable.Value;
        var tenant = currentTenant.Required;
        var chosen = Choose(request.Recipe, request.Values);
        if (!chosen.Succeeded)
            return chosen.Problem!;
        var choice = chosen.Value;
        var received = await archives.ReceiveAsync(request.FileName, request.Content, ct);
        if (!received.Succeeded)
            return received.Problem!;
        using var upload = received.Value;
        var checking = await CheckAsync(upload, choice, ct);
        if (!checking.Succeeded)
            return checking.Problem!;
        var archive = upload.Archive;
        try
        {
            return await SaveAsync(
                app.Id,
                app.Name,
                last => Build.QueueArchive(tenant.Id, app.Id, last, archive, currentActor.Actor.Name, Now),
                choice,
                BuildAuditActions.ArchiveBuildQueued,
                $"{archive.FileName} ({ArchiveSource.Size(archive.SizeBytes)}, sha256 {archive.Sha256})"
                    + (choice is null ? "" : $" with the recipe {choice.Recipe}"),
                build =>
                {
                    archives.Keep(upload, build.Id);
                    return Task.CompletedTask;
                },
                ct
            );
        }
        catch
        {
            // Kept for a build whose transaction then failed: nothing refers to the file any more.
            PrivateFiles.DeleteQuietly(upload.Path);
            throw;
        }
    }

    /// <summary>Extracts the archive into a folder that goes at once, and sees that a recipe fits its files.</summary>
    private async Task<Result> CheckAsync(ReceivedArchive upload, RecipeChoice? choice, CancellationToken ct)
    {
        var folder = Path.Combine(archives.Folder, $"check-{Guid.NewGuid():N}");
        try
        {
            var extracted = await archives.ExtractAsync(upload.Path, folder, ct);
            if (!extracted.Succeeded)
                return extracted.Problem!;
            if (choice is not null)
                return Result.Ok();
            var inspected = new SourceInspector(catalog).Inspect(folder);
            if (!inspected.Succeeded)
                return inspected.Problem!;
            return inspected.Value.Proposal is null
                ? Problem.Invalid("Recipe", "No recipe fits the archive's files: choose one and upload it again.")
                : Result.Ok();
        }
        finally
        {
            PrivateFiles.DeleteQuietly(folder);
        }
    }
}
