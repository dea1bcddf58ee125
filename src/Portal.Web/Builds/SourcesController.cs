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

public sealed record ImagesPageModel(TenantAccess Access, string App, AppImagesView? Images, string? Unavailable);

/// <summary>
/// An application's Git source, connected, replaced and disconnected by developers after a test of the connection;
/// and the images of the application in the registry.
/// </summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class SourcesController(AppSources sources, AppImages images) : Controller
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
        return View(
            Views + "Images.cshtml",
            new ImagesPageModel(
                HttpContext.TenantAccess(),
                app,
                listed.Succeeded ? listed.Value : null,
                listed.Problem?.Message
            )
        );
    }

    private ViewResult Page(string app, AppSourceView? source, SourceForm form, GitConnection? tested = null) =>
        View(Views + "Source.cshtml", new SourcePageModel(HttpContext.TenantAccess(), app, source, form, tested));

    internal static string Short(string? commit) => commit is null ? "unknown" : commit[..Math.Min(12, commit.Length)];
}
