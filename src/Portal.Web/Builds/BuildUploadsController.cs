using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Runs;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;
using BuildsUseCase = Portal.Infrastructure.Builds.Runs.Builds;

namespace Portal.Web.Builds;

/// <summary>The upload page: the recipes to choose from, the one chosen, and the largest archive taken.</summary>
public sealed record ArchiveUploadPageModel(
    TenantAccess Access,
    string App,
    IReadOnlyList<Recipe> Recipes,
    string? Recipe,
    long MaxArchiveBytes
);

/// <summary>
/// An archive (zip or tar.gz) uploaded as a one-off source and built at once, by developers, whether or not the
/// application has a Git source. The body is limited before it is read (<see cref="ArchiveUploadLimit"/>); the
/// antiforgery token is checked once the bounded form is read.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class BuildUploadsController(
    BuildsUseCase builds,
    AppSources sources,
    RecipeCatalog catalog,
    IAntiforgery antiforgery,
    IOptions<ArchiveOptions> limits
) : Controller
{
    private const string ViewPath = "~/Builds/Views/Uploads/Upload.cshtml";

    [HttpGet(BuildRoutes.ArchiveUpload), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Upload(string app, CancellationToken ct) =>
        await sources.ApplicationExistsAsync(app, ct) ? Page(app, null) : NotFound();

    [HttpPost(BuildRoutes.ArchiveUpload), Authorize(TenantPolicies.Develop)]
    [IgnoreAntiforgeryToken, TypeFilter<ArchiveUploadLimit>]
    public async Task<IActionResult> Queue(string app, CancellationToken ct)
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return NotFound();
        var upload = await ArchiveUploads.ReadAsync(Request, ct);
        // A refused upload changes nothing and shows no data: it is answered before the token, which is in the body.
        if (!upload.Succeeded)
            return this.Refused(upload.Problem!, () => Page(app, null), KeyOf);
        if (!await antiforgery.IsRequestValidAsync(HttpContext))
            return BadRequest();
        var (file, recipe) = upload.Value;
        await using var content = file.OpenReadStream();
        var queued = await builds.QueueArchiveAsync(new QueueArchiveBuild(app, file.FileName, content, recipe), ct);
        if (!queued.Succeeded)
            return this.Refused(queued.Problem!, () => Page(app, recipe), KeyOf);
        var build = queued.Value;
        return this.AfterAction(
            null,
            $"Build {build.Number} of {app} is queued from {build.Archive!.FileName}; its image will be tagged "
                + $"{build.Archive.ImageTag}.",
            BuildRoutes.BuildUrl(HttpContext.TenantAccess().Tenant.Slug, app, build.Number)
        );
    }

    private ViewResult Page(string app, string? recipe) =>
        View(
            ViewPath,
            new ArchiveUploadPageModel(
                HttpContext.TenantAccess(),
                app,
                catalog.Recipes,
                recipe,
                limits.Value.MaxArchiveBytes
            )
        );

    /// <summary>The form's field for each field the domain names.</summary>
    private static string KeyOf(string? field) =>
        field switch
        {
            BuildArchive.Field => ArchiveUploads.FileField,
            "Recipe" => ArchiveUploads.RecipeField,
            null => "",
            _ => field,
        };
}
