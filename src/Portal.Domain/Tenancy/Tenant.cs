using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

public enum TenantStatus
{
    Active = 1,
    Suspended = 2,
}

/// <summary>An organization using the portal. A suspended tenant can be read but not changed.</summary>
public sealed class Tenant
{
    public Guid Id { get; private set; }
    /// <summary>A valid <see cref="TenantSlug"/>; kept as text so that queries can filter and sort on it.</summary>
    public string Slug { get; private set; }
    public string DisplayName { get; private set; }
    public TenantStatus Status { get; private set; }
    public DateTime CreatedAt { get; private set; }

    private Tenant(Guid id, string slug, string displayName, DateTime createdAt)
    {
        Id = id;
        Slug = slug;
        DisplayName = displayName;
        Status = TenantStatus.Active;
        CreatedAt = createdAt;
    }

    public static Result<Tenant> Create(string? slug, string? displayName, DateTime now)
    {
        var validSlug = TenantSlug.Create(slug);
        if (!validSlug.Succeeded)
            return validSlug.Problem!;
        var validName = Tenancy.DisplayName.Create(displayName);
        if (!validName.Succeeded)
            return validName.Problem!;
        return new Tenant(Guid.NewGuid(), validSlug.Value.Value, validName.Value, now);
    }

    public bool IsReadOnly => Status == TenantStatus.Suspended;

    public Result Rename(string? displayName)
    {
        var valid = Tenancy.DisplayName.Create(displayName);
        if (!valid.Succeeded)
            return valid.Problem!;
        DisplayName = valid.Value;
        return Result.Ok();
    }

    public Result Suspend()
    {
        if (Status == TenantStatus.Suspended)
            return Problem.Conflict($"Tenant '{Slug}' is already suspended.");
        Status = TenantStatus.Suspended;
        return Result.Ok();
    }

    public Result Resume()
    {
        if (Status == TenantStatus.Active)
            return Problem.Conflict($"Tenant '{Slug}' is already active.");
        Status = TenantStatus.Active;
        return Result.Ok();
    }
}
