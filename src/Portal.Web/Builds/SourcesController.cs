using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Builds;

/// <summary>
/// The source page of an application: the connected source, the form to connect or replace it, what a test of the
/// connection answered (<paramref name="Tested"/>), and a note when the application has none.
/// </summary>
public sealed record SourcePageModel(
    TenantAccess Access,
    string App,
    AppSourceView? Source,
    SourceForm Form,
    GitConnection? Tested = null
);

public sealed record ImagesPageModel(
    TenantAccess Access,
    string App,
    AppImagesView? Images,
    string? Unavailable,
    ImageRetentionView? Retention = null
);

/// <summary>
/// An application's Git source, connected, replaced and disconnected by developers after a test of the connection;
/// and the images of the application in the registry.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class SourcesController(AppSources sources, AppImages images, ImageRetentions retentions) : Controller
{
    private const string Views = "~/Builds/Views/Sources/";

    [HttpGet(BuildRoutes.Source), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Source(string app, CancellationToken ct)
    {
        if (!await sources.ApplicationExistsAsync(app, ct))
            return NotFound();
        var source = await sources.FindAsync(app, ct);
        return Page(app, source, SourceForm.Of(source));
    }

    /// <summary>Tries the form's source and shows the commit its ref is at, or why not; saves nothing.</summary>
    [HttpPost(BuildRoutes.SourceTest), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Test(string app, SourceForm form, CancellationToken ct)
    {
        var tested = await sources.TestAsync(form.ToRequest(app), ct);
        var source = await sources.FindAsync(app, ct);
        return tested.Succeeded
            ? Page(app, source, form, tested.Value)
            : this.Refused(tested.Problem!, () => Page(app, source, form), form.KeyOf);
    }

    /// <summary>Tests the form's source and, when the repository answered, saves it.</summary>
    [HttpPost(BuildRoutes.Source), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Connect(string app, SourceForm form, CancellationToken ct)
    {
        var connected = await sources.ConnectAsync(form.ToRequest(app), ct);
        if (!connected.Succeeded)
        {
            var source = await sources.FindAsync(app, ct);
            return this.Refused(connected.Problem!, () => Page(app, source, form), form.KeyOf);
        }
        var saved = connected.Value;
        return this.AfterAction(
            null,
            $"Connected to {saved.RepositoryUrl} at {saved.Ref}, commit {Short(saved.CheckedCommit)}.",
            BuildRoutes.SourceUrl(HttpContext.TenantAccess().Tenant.Slug, app)
        );
    }

    [HttpPost(BuildRoutes.SourceDisconnect), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Disconnect(string app, bool confirm, CancellationToken ct)
    {
        var back = BuildRoutes.SourceUrl(HttpContext.TenantAccess().Tenant.Slug, app);
        if (!confirm)
            return this.AfterAction(
                Domain.Common.Problem.Invalid("confirm", "Tick the box to confirm the disconnection."),
                "",
                back
            );
        var disconnected = await sources.DisconnectAsync(app, ct);
        return this.AfterAction(disconnected.Problem, $"{app} is no longer connected to its repository.", back);
    }

    [HttpGet(BuildRoutes.Images), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Images(string app, CancellationToken ct)
    {
        var listed = await images.ListAsync(app, ct);
        if (listed.Problem is { Kind: Domain.Common.ProblemKind.NotFound })
            return NotFound();
        var retention = await retentions.FindAsync(app, ct);
        return View(
            Views + "Images.cshtml",
            new ImagesPageModel(
                HttpContext.TenantAccess(),
                app,
                listed.Succeeded ? listed.Value : null,
                listed.Problem?.Message,
                retention.Succeeded ? retention.Value : null
            )
        );
    }

    /// <summary>Sets the retention rule (an empty number turns it off) and applies it at once.</summary>
    [HttpPost(BuildRoutes.ImageRetention), Authorize(TenantPolicies.Develop)]
    public async Task<IActionResult> Retention(string app, string? keepLast, CancellationToken ct)
    {
        var back = BuildRoutes.ImagesUrl(HttpContext.TenantAccess().Tenant.Slug, app);
        int? keep = null;
        if (!string.IsNullOrWhiteSpace(keepLast))
        {
            if (!int.TryParse(keepLast, out var number))
                return this.AfterAction(
                    Domain.Common.Problem.Invalid("keepLast", $"'{keepLast}' is not a whole number of images."),
                    "",
                    back
                );
            keep = number;
        }
        var set = await retentions.SetAsync(app, keep, ct);
        if (!set.Succeeded)
            return this.AfterAction(set.Problem, "", back);
        var outcome = set.Value;
        var done = outcome.Rule.KeepLast is { } kept
            ? $"The newest {kept} images of {app} and those deployed are kept."
                + (
                    outcome.NotApplied is { } why ? $" Not applied now ({why}); it is after the next build."
                    : outcome.Deleted.Count > 0
                        ? $" Deleted: {string.Join(", ", outcome.Deleted.SelectMany(i => i.Tags))}."
                    : " Nothing to delete now."
                )
            : $"Every image of {app} is kept.";
        return this.AfterAction(null, done, back);
    }

    private ViewResult Page(string app, AppSourceView? source, SourceForm form, GitConnection? tested = null) =>
        View(Views + "Source.cshtml", new SourcePageModel(HttpContext.TenantAccess(), app, source, form, tested));

    internal static string Short(string? commit) => commit is null ? "unknown" : commit[..Math.Min(12, commit.Length)];
}
