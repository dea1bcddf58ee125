using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

/// <summary>
/// An offer to join a tenant, sent to an email address. Only a hash of its token is kept: the link is
/// shown once to the admin who created it.
/// </summary>
public sealed class Invitation : ITenantOwned
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public string Email { get; private set; } = "";
    public TenantRole Role { get; private set; }
    public string TokenHash { get; private set; } = "";
    public Guid InvitedBy { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime ExpiresAt { get; private set; }
    public DateTime? AcceptedAt { get; private set; }

    private Invitation() { }

    public Invitation(Guid tenantId, string email, TenantRole role, string tokenHash, Guid invitedBy, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        Email = email;
        Role = role;
        TokenHash = tokenHash;
        InvitedBy = invitedBy;
        CreatedAt = now;
        ExpiresAt = now + Lifetime;
    }

    public bool IsPending(DateTime now) => AcceptedAt is null && now < ExpiresAt;

    public Result Accept(DateTime now)
    {
        if (AcceptedAt is not null)
            return Problem.Conflict("This invitation has already been used.");
        if (now >= ExpiresAt)
            return Problem.Conflict("This invitation has expired; ask a tenant admin for a new one.");
        AcceptedAt = now;
        return Result.Ok();
    }
}
