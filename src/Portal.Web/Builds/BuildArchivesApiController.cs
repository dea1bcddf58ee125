using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Runs;
using Portal.Web.Common;
using Portal.Web.Tenancy;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Web.Builds;

/// <summary>A build queued from an uploaded archive: its number, the archive as recorded, and the image tag.</summary>
public sealed record ArchiveBuildQueued(
    int Number,
    BuildState State,
    string ArchiveFileName,
    long ArchiveSizeBytes,
    string ArchiveSha256,
    string ImageTag,
    string? Recipe
);

/// <summary>Builds of an uploaded archive (zip or tar.gz), a one-off source.</summary>
[Route("api/v1/tenants/{tenant}/apps/{app}/builds/archive")]
public sealed class BuildArchivesApiController(BuildsUseCase builds) : ApiControllerBase
{
    /// <summary>
    /// Queues a build of the archive in the multipart field <c>archive</c>, with the recipe in <c>recipe</c> or the
    /// one its files suggest: 202 with the build's address. An archive too large (413 when the request says so at
    /// once), not a zip or tar.gz, with a path leaving it, a link out or a device file is refused (400) and nothing is
    /// kept.
    /// </summary>
    [HttpPost, Authorize(TenantPolicies.Develop), TypeFilter<ArchiveUploadLimit>]
    public async Task<IActionResult> Upload(string app, CancellationToken ct)
    {
        var upload = await ArchiveUploads.ReadAsync(Request, ct);
        if (!upload.Succeeded)
            return Refused(upload.Problem!);
        await using var content = upload.Value.File.OpenReadStream();
        var queued = await builds.QueueArchiveAsync(
            new QueueArchiveBuild(app, upload.Value.File.FileName, content, upload.Value.Recipe),
            ct
        );
        if (!queued.Succeeded)
            return Refused(queued.Problem!);
        var build = queued.Value;
        var archive = build.Archive!;
        return AcceptedAt(
            nameof(BuildsApiController.Get),
            new { app, build = build.Number },
            new ArchiveBuildQueued(
                build.Number,
                build.State,
                archive.FileName,
                archive.SizeBytes,
                archive.Sha256,
                archive.ImageTag,
                build.RequestedRecipe?.Recipe
            ),
            controller: "BuildsApi"
        );
    }

    /// <summary>As problem details; an archive over the limit is a 413.</summary>
    private IActionResult Refused(Domain.Common.Problem problem)
    {
        var result = this.ToActionResult(problem);
        if (BuildArchives.IsTooLarge(problem) && result is ObjectResult { Value: ProblemDetails details } answer)
        {
            answer.StatusCode = StatusCodes.Status413PayloadTooLarge;
            details.Status = StatusCodes.Status413PayloadTooLarge;
        }
        return result;
    }
}
