using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// One tag of an application's repository: its manifest's digest and size as the registry says them, and when the
/// build that pushed it finished (unknown for a tag pushed from elsewhere). A tag whose manifest could not be read
/// keeps its name with the reason.
/// </summary>
public sealed record ImageTagView(string Tag, string? Digest, long? SizeBytes, DateTime? PushedAt, string? Problem)
{
    /// <summary>The digest's algorithm and its first 12 hex digits, as lists show it.</summary>
    public string? ShortDigest =>
        Digest is { } digest && digest.IndexOf(':') is >= 0 and var at
            ? digest[..Math.Min(digest.Length, at + 13)]
            : Digest;
}

/// <summary>
/// The tags of an application's repository in the registry, the newest first, at most <see cref="AppImages.Limit"/>
/// of <paramref name="TotalTags"/>.
/// </summary>
public sealed record AppImagesView(string Repository, IReadOnlyList<ImageTagView> Tags, int TotalTags);

/// <summary>
/// Reads the images of the current tenant's applications from the registry, "{tenant}/{app}": the tags with digest,
/// size and age, bounded so that a repository of thousands of tags asks the registry for at most
/// <see cref="Limit"/> manifests.
/// </summary>
public sealed class AppImages(ICurrentTenant currentTenant, PortalDbContext db, IImageRegistry registry)
{
    public const int Limit = 50;
    private const int ConcurrentManifestRequests = 8;

    public async Task<Result<AppImagesView>> ListAsync(string appName, CancellationToken ct)
    {
        var tenant = currentTenant.Required;
        var app = await db.Applications.AsNoTracking().FirstOrDefaultAsync(a => a.Name == appName, ct);
        if (app is null)
            return Problem.NotFound($"Application '{appName}'");
        var repository = ImageRepository.For(tenant.Slug, app.Name);
        if (!repository.Succeeded)
            return repository.Problem!;
        var tags = await registry.ListTagsAsync(repository.Value, ct);
        if (!tags.Succeeded)
            return tags.Problem!;
        var pushedAt = await PushedAtAsync(db, app.Id, ct);
        var newest = NewestFirst(tags.Value, pushedAt).Take(Limit).Select(t => (tag: t.Tag, at: t.PushedAt)).ToList();
        // One manifest request per tag, a few at a time: the page waits for the slowest few, not for fifty in a row.
        using var requests = new SemaphoreSlim(ConcurrentManifestRequests);
        var manifests = await Task.WhenAll(
            newest.Select(async t =>
            {
                await requests.WaitAsync(ct);
                try
                {
                    return await registry.GetManifestAsync(repository.Value, t.tag, ct);
                }
                finally
                {
                    requests.Release();
                }
            })
        );
        if (
            manifests.FirstOrDefault(m => !m.Succeeded && m.Problem!.Kind is ProblemKind.Unavailable) is
            { Problem: { } unavailable }
        )
            return unavailable;
        var views = newest
            .Zip(manifests)
            .Select(pair =>
                pair.Second.Succeeded
                    ? new ImageTagView(
                        pair.First.tag,
                        pair.Second.Value.Digest,
                        pair.Second.Value.Size,
                        pair.First.at,
                        null
                    )
                    : new ImageTagView(pair.First.tag, null, null, pair.First.at, pair.Second.Problem!.Message)
            )
            .ToList();
        return new AppImagesView(repository.Value.Value, views, tags.Value.Count);
    }

    /// <summary>When a build of the application last pushed each tag (the tag its build recorded).</summary>
    internal static async Task<Dictionary<string, DateTime?>> PushedAtAsync(
        PortalDbContext db,
        Guid appId,
        CancellationToken ct
    )
    {
        var pushed = await db
            .Builds.AsNoTracking()
            .Where(b => b.ApplicationId == appId && b.Image != null && b.FinishedAt != null)
            .Select(b => new { b.Image!.Tag, b.FinishedAt })
            .ToListAsync(ct);
        return pushed.GroupBy(p => p.Tag).ToDictionary(g => g.Key, g => g.Max(p => p.FinishedAt));
    }

    /// <summary>
    /// The newest first: tags a build pushed by when, then the others as the registry sorts them, last first. The
    /// images page and the retention rule order tags alike.
    /// </summary>
    internal static List<(string Tag, int Index, DateTime? PushedAt)> NewestFirst(
        IReadOnlyList<string> tags,
        IReadOnlyDictionary<string, DateTime?> pushedAt
    ) =>
        [
            .. tags.Select((tag, index) => (Tag: tag, Index: index, PushedAt: pushedAt.GetValueOrDefault(tag)))
                .OrderByDescending(t => t.PushedAt.HasValue)
                .ThenByDescending(t => t.PushedAt)
                .ThenByDescending(t => t.Index),
        ];
}
