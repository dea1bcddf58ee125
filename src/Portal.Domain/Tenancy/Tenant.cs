using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

public enum TenantStatus
{
    Active = 1,
    Suspended = 2,

    /// <summary>
    /// Its namespaces are being deleted, then its rows will be: read-only, and its slug stays taken until then.
    /// </summary>
    Deleting = 3,
}

/// <summary>
/// An organization using the portal. A suspended tenant, or one being deleted, can be read but not changed.
/// </summary>
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

    public bool IsReadOnly => Status is TenantStatus.Suspended or TenantStatus.Deleting;

    /// <summary>Why the tenant cannot be changed, as the end of "Tenant 'acme' is …".</summary>
    public string ReadOnlyReason => Status == TenantStatus.Deleting ? "being deleted" : "suspended";

    public Result Rename(string? displayName)
    {
        if (Status == TenantStatus.Deleting)
            return Problem.Conflict($"Tenant '{Slug}' is being deleted.");
        var valid = Tenancy.DisplayName.Create(displayName);
        if (!valid.Succeeded)
            return valid.Problem!;
        DisplayName = valid.Value;
        return Result.Ok();
    }

    public Result Suspend()
    {
        if (Status == TenantStatus.Deleting)
            return Problem.Conflict($"Tenant '{Slug}' is being deleted.");
        if (Status == TenantStatus.Suspended)
            return Problem.Conflict($"Tenant '{Slug}' is already suspended.");
        Status = TenantStatus.Suspended;
        return Result.Ok();
    }

    public Result Resume()
    {
        if (Status == TenantStatus.Deleting)
            return Problem.Conflict($"Tenant '{Slug}' is being deleted.");
        if (Status == TenantStatus.Active)
            return Problem.Conflict($"Tenant '{Slug}' is already active.");
        Status = TenantStatus.Active;
        return Result.Ok();
    }

    /// <summary>
    /// Starts the deletion: from now on nothing of the tenant can be changed, until its rows are removed.
    /// </summary>
    public Result MarkDeleting()
    {
        if (Status == TenantStatus.Deleting)
            return Problem.Conflict($"Tenant '{Slug}' is being deleted already.");
        Status = TenantStatus.Deleting;
        return Result.Ok();
    }
}
