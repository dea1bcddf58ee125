using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Builds;

/// <summary>An application's retention rule: the number of images kept, or null when every image is kept.</summary>
public sealed record ImageRetentionView(int? KeepLast, string? UpdatedBy, DateTime? UpdatedAt)
{
    public static ImageRetentionView Off { get; } = new(null, null, null);
}

/// <summary>
/// A rule set and applied at once: the images deleted, and why the rule could not be applied now (the registry could
/// not be asked), in which case it is applied after the next build.
/// </summary>
public sealed record ImageRetentionOutcome(
    ImageRetentionView Rule,
    IReadOnlyList<RetainedImage> Deleted,
    string? NotApplied
);

/// <summary>
/// The retention rules of the current tenant's applications: set by developers (audited), and applied after each
/// build that pushed an image and when a rule is set. Applying lists the repository's tags, groups them by digest,
/// orders the images as the images page does (by when a build here pushed them, the others older, in the registry's
/// order), and deletes every image beyond the newest N through the registry API, by digest, except any image an
/// environment runs (its current revision's or the one it rolls back to) or the working spec names. What was deleted
/// is audited.
/// </summary>
public sealed class ImageRetentions(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    IImageRegistry registry,
    TimeProvider clock
)
{
    private const int ConcurrentManifestRequests = 8;

    public async Task<Result<ImageRetentionView>> FindAsync(string appName, CancellationToken ct)
    {
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var rule = await db.ImageRetentions.AsNoTracking().FirstOrDefaultAsync(r => r.ApplicationId == app.Id, ct);
        return View(rule);
    }

    /// <summary>Keeps the newest <paramref name="keepLast"/> images of the application, or all with null.</summary>
    public async Task<Result<ImageRetentionOutcome>> SetAsync(string appName, int? keepLast, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is {tenant.ReadOnlyReason}: nothing can be changed.");
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var actor = currentActor.Actor;
        var now = clock.GetUtcNow().UtcDateTime;
        var rule = await db.ImageRetentions.FirstOrDefaultAsync(r => r.ApplicationId == app.Id, ct);
        if (keepLast is not { } keep)
        {
            if (rule is not null)
            {
                db.ImageRetentions.Remove(rule);
                audit.Record(actor, tenant, BuildAuditActions.ImageRetentionTurnedOff, "app", app.Name);
                await db.SaveChangesAsync(ct);
            }
            return new ImageRetentionOutcome(ImageRetentionView.Off, [], null);
        }
        if (rule is null)
        {
            var made = ImageRetention.Keep(tenant.Id, app.Id, keep, actor.Name, now);
            if (!made.Succeeded)
                return made.Problem!;
            rule = made.Value;
            db.ImageRetentions.Add(rule);
        }
        else
        {
            var changed = rule.Change(keep, actor.Name, now);
            if (!changed.Succeeded)
                return changed.Problem!;
        }
        audit.Record(actor, tenant, BuildAuditActions.ImageRetentionSet, "app", app.Name, $"Keep the last {keep}.");
        await db.SaveChangesAsync(ct);
        var applied = await ApplyAsync(app.Id, app.Name, actor, ct);
        return new ImageRetentionOutcome(
            View(rule),
            applied.Succeeded ? applied.Value : [],
            applied.Succeeded ? null : applied.Problem!.Message
        );
    }

    /// <summary>
    /// Applies the application's rule, if it has one, as <paramref name="actor"/>: the images deleted (none without a
    /// rule), or why the registry could not be asked or refused a deletion.
    /// </summary>
    public async Task<Result<IReadOnlyList<RetainedImage>>> ApplyAsync(
        Guid appId,
        string appName,
        Actor actor,
        CancellationToken ct
    )
    {
        var rule = await db.ImageRetentions.AsNoTracking().FirstOrDefaultAsync(r => r.ApplicationId == appId, ct);
        if (rule is null)
            return Array.Empty<RetainedImage>();
        var tenant = currentTenant.Required;
        var repository = ImageRepository.For(tenant.Slug, appName);
        if (!repository.Succeeded)
            return repository.Problem!;
        var images = await ImagesNewestFirstAsync(appId, repository.Value, ct);
        if (!images.Succeeded)
            return images.Problem!;
        var deployed = await DeployedDigestsAsync(appId, repository.Value, images.Value, ct);
        var deleted = new List<RetainedImage>();
        Problem? refused = null;
        foreach (var image in rule.ToDelete(images.Value, deployed))
        {
            var deletion = await registry.DeleteManifestAsync(repository.Value, image.Digest, ct);
            if (deletion.Succeeded || deletion.Problem!.Kind == ProblemKind.NotFound)
                deleted.Add(image);
            else
                refused ??= deletion.Problem;
        }
        if (deleted.Count > 0)
        {
            audit.Record(
                actor,
                tenant,
                BuildAuditActions.ImagesDeleted,
                "app",
                appName,
                Clip(
                    $"Kept the newest {rule.KeepLast} images and those deployed; deleted "
                        + string.Join("; ", deleted.Select(i => $"{string.Join(", ", i.Tags)} ({i.Digest})"))
                )
            );
            await db.SaveChangesAsync(ct);
        }
        return refused is null ? deleted : refused;
    }

    /// <summary>
    /// The repository's images, each a digest with its tags, the newest first: by when a build here last pushed one
    /// of its tags, then the images no build here pushed, the last in the registry's order first.
    /// </summary>
    private async Task<Result<IReadOnlyList<RetainedImage>>> ImagesNewestFirstAsync(
        Guid appId,
        ImageRepository repository,
        CancellationToken ct
    )
    {
        var tags = await registry.ListTagsAsync(repository, ct);
        if (!tags.Succeeded)
            return tags.Problem!;
        var pushedAt = await AppImages.PushedAtAsync(db, appId, ct);
        var ordered = AppImages.NewestFirst(tags.Value, pushedAt);
        using var requests = new SemaphoreSlim(ConcurrentManifestRequests);
        var manifests = await Task.WhenAll(
            ordered.Select(async t =>
            {
                await requests.WaitAsync(ct);
                try
                {
                    return await registry.GetManifestAsync(repository, t.Tag, ct);
                }
                finally
                {
                    requests.Release();
                }
            })
        );
        var images = new List<(string Digest, List<string> Tags, DateTime? At, int Index)>();
        foreach (var (tag, manifest) in ordered.Zip(manifests))
        {
            if (!manifest.Succeeded)
            {
                // A tag deleted meanwhile is no image to keep or delete; anything else stops the run.
                if (manifest.Problem!.Kind == ProblemKind.NotFound)
                    continue;
                return manifest.Problem;
            }
            var at = images.FindIndex(i => i.Digest == manifest.Value.Digest);
            if (at < 0)
                images.Add((manifest.Value.Digest, [tag.Tag], tag.PushedAt, tag.Index));
            else
                images[at].Tags.Add(tag.Tag);
        }
        return images.Select(i => new RetainedImage(i.Digest, i.Tags)).ToList();
    }

    /// <summary>
    /// The digests the application's environments run (their current revision's image, and the revision a failed
    /// rollout goes back to) or its working spec names: pinned by digest, or by a tag of this repository.
    /// </summary>
    private async Task<IReadOnlySet<string>> DeployedDigestsAsync(
        Guid appId,
        ImageRepository repository,
        IReadOnlyList<RetainedImage> images,
        CancellationToken ct
    )
    {
        var deployments = await db
            .AppDeployments.AsNoTracking()
            .Where(d => d.ApplicationId == appId)
            .Select(d => new { d.Revision, d.PreviousRevision })
            .ToListAsync(ct);
        var numbers = deployments
            .SelectMany(d => new[] { d.Revision, d.PreviousRevision ?? 0 })
            .Where(n => n > 0)
            .Distinct()
            .ToList();
        var references = await db
            .Revisions.AsNoTracking()
            .Where(r => r.ApplicationId == appId && numbers.Contains(r.Number))
            .Select(r => r.Image)
            .ToListAsync(ct);
        references.Add(await db.Applications.Where(a => a.Id == appId).Select(a => a.Image).FirstAsync(ct));
        var byTag = images
            .SelectMany(i => i.Tags.Select(t => (Tag: t, i.Digest)))
            .ToDictionary(p => p.Tag, p => p.Digest);
        var tagged = $"{registry.Host}/{repository.Value}:";
        var digests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (reference.IndexOf('@') is >= 0 and var at)
                digests.Add(reference[(at + 1)..]);
            else if (
                reference.StartsWith(tagged, StringComparison.Ordinal)
                && byTag.TryGetValue(reference[tagged.Length..], out var digest)
            )
                digests.Add(digest);
        }
        return digests;
    }

    private static ImageRetentionView View(ImageRetention? rule) =>
        rule is null ? ImageRetentionView.Off : new(rule.KeepLast, rule.UpdatedBy, rule.UpdatedAt);

    private static string Clip(string text) => text.Length <= 2000 ? text : text[..1999] + "…";
}
