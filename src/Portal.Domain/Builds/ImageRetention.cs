using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Builds;

/// <summary>
/// An application's retention rule for its images in the registry: keep the newest <see cref="KeepLast"/> images and
/// any image an environment runs; the others are deleted. An application without a rule keeps every image.
/// </summary>
public sealed class ImageRetention : ITenantOwned
{
    public const int MaxKeepLast = 1000;
    public const string Field = "KeepLast";

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public int KeepLast { get; private set; }
    public string UpdatedBy { get; private set; } = "";
    public DateTime UpdatedAt { get; private set; }

    private ImageRetention() { }

    public static Result<ImageRetention> Keep(Guid tenantId, Guid applicationId, int keepLast, string by, DateTime now)
    {
        var retention = new ImageRetention
        {
            Id = Guid.NewGuid(),
            TenantId = tenantId,
            ApplicationId = applicationId,
        };
        var changed = retention.Change(keepLast, by, now);
        return changed.Succeeded ? retention : changed.Problem!;
    }

    public Result Change(int keepLast, string by, DateTime now)
    {
        if (keepLast is < 1 or > MaxKeepLast)
            return Problem.Invalid(
                Field,
                $"Keep from 1 to {MaxKeepLast} images; to keep every image, turn the rule off instead."
            );
        KeepLast = keepLast;
        UpdatedBy = by;
        UpdatedAt = now;
        return Result.Ok();
    }

    /// <summary>
    /// The images to delete: every image beyond the newest <see cref="KeepLast"/> of <paramref name="newestFirst"/>,
    /// except those whose digest is in <paramref name="deployed"/>. An image is a digest with all its tags (a commit's
    /// tag and its branch's count once), so that deleting one never takes a kept image's tags with it.
    /// </summary>
    public IReadOnlyList<RetainedImage> ToDelete(
        IReadOnlyList<RetainedImage> newestFirst,
        IReadOnlySet<string> deployed
    ) => [.. newestFirst.Skip(KeepLast).Where(image => !deployed.Contains(image.Digest))];
}

/// <summary>An image of an application's repository: its digest and the tags that name it.</summary>
public sealed record RetainedImage(string Digest, IReadOnlyList<string> Tags);
