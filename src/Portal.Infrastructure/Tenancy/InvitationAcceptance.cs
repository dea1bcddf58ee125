using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tenancy;

public sealed record InvitationPreview(
    string TenantSlug,
    string TenantName,
    string Email,
    TenantRole Role,
    bool HasAccount,
    string? Refusal
);

/// <summary>
/// The invitee's side: opening the link, then joining with a new account or with the account they are
/// signed in with. Works outside any tenant scope, since the invitee is not a member yet.
/// </summary>
public sealed class InvitationAcceptance(
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    UserManager<PortalUser> users
)
{
    public async Task<InvitationPreview?> PreviewAsync(string token, CancellationToken ct)
    {
        var found = await FindAsync(token, ct);
        if (found is null)
            return null;
        var (invitation, tenant) = found.Value;
        var hasAccount = await users.FindByEmailAsync(invitation.Email) is not null;
        var refusal =
            invitation.AcceptedAt is not null ? "This invitation has already been used."
            : tenant.IsReadOnly ? $"Tenant '{tenant.DisplayName}' is suspended: nobody can join it for now."
            : !invitation.IsPending(clock.GetUtcNow().UtcDateTime)
                ? "This invitation has expired; ask a tenant admin for a new one."
            : null;
        return new InvitationPreview(
            tenant.Slug,
            tenant.DisplayName,
            invitation.Email,
            invitation.Role,
            hasAccount,
            refusal
        );
    }

    /// <summary>Creates the invitee's account with the password they chose, and makes them a member.</summary>
    public async Task<Result<PortalUser>> AcceptWithNewAccountAsync(
        string token,
        string? displayName,
        string? password,
        string? clientAddress,
        CancellationToken ct
    )
    {
        var found = await FindAsync(token, ct);
        if (found is null)
            return Problem.NotFound("The invitation");
        var (invitation, tenant) = found.Value;
        var name = DisplayName.Create(displayName);
        if (!name.Succeeded)
            return name.Problem!;
        if (await users.FindByEmailAsync(invitation.Email) is not null)
            return Problem.Conflict($"An account for {invitation.Email} exists already: sign in to accept.");
        var now = clock.GetUtcNow().UtcDateTime;

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var accepted = CanJoin(invitation, tenant, now);
        if (!accepted.Succeeded)
            return accepted.Problem!;
        var user = new PortalUser
        {
            UserName = invitation.Email,
            Email = invitation.Email,
            EmailConfirmed = true,
            DisplayName = name.Value,
            CreatedAt = now,
        };
        var created = await users.CreateAsync(user, password ?? "");
        if (!created.Succeeded)
            return Problem.Invalid("Password", string.Join(" ", created.Errors.Select(e => e.Description)));
        Join(invitation, tenant, user, clientAddress, now);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return user;
    }

    public async Task<Result> AcceptAsUserAsync(string token, Guid userId, string? clientAddress, CancellationToken ct)
    {
        var found = await FindAsync(token, ct);
        if (found is null)
            return Problem.NotFound("The invitation");
        var (invitation, tenant) = found.Value;
        var user = await users.FindByIdAsync(userId.ToString());
        if (user is null || !string.Equals(user.Email, invitation.Email, StringComparison.OrdinalIgnoreCase))
            return Problem.Forbidden(
                $"This invitation is for {invitation.Email}; sign in with that account to accept it."
            );
        var now = clock.GetUtcNow().UtcDateTime;
        var accepted = CanJoin(invitation, tenant, now);
        if (!accepted.Succeeded)
            return accepted;
        if (await db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.TenantId == tenant.Id && m.UserId == userId, ct))
            return Problem.Conflict("You are already a member of this tenant.");
        Join(invitation, tenant, user, clientAddress, now);
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    private static Result CanJoin(Invitation invitation, Tenant tenant, DateTime now) =>
        tenant.IsReadOnly
            ? Problem.Forbidden($"Tenant '{tenant.DisplayName}' is suspended: nobody can join it for now.")
            : invitation.Accept(now);

    private void Join(Invitation invitation, Tenant tenant, PortalUser user, string? clientAddress, DateTime now)
    {
        db.Memberships.Add(new TenantMembership(tenant.Id, user.Id, invitation.Role, now));
        var actor = new Actor(user.Id, user.Email!, clientAddress);
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.InvitationAccepted,
            "member",
            user.Email!,
            $"joined as '{invitation.Role}'"
        );
    }

    private async Task<(Invitation Invitation, Tenant Tenant)?> FindAsync(string token, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(token) || token.Length > 128)
            return null;
        var hash = MemberDirectory.HashToken(token);
        var found = await db
            .Invitations.IgnoreQueryFilters()
            .Where(i => i.TokenHash == hash)
            .Join(db.Tenants, i => i.TenantId, t => t.Id, (i, t) => new { i, t })
            .FirstOrDefaultAsync(ct);
        return found is null ? null : (found.i, found.t);
    }
}
