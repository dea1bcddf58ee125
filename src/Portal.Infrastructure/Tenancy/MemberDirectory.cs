using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Common;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Tenancy;

public sealed record MemberView(Guid UserId, string Email, string DisplayName, TenantRole Role, DateTime JoinedAt);

public sealed record InvitationView(Guid Id, string Email, TenantRole Role, DateTime CreatedAt, DateTime ExpiresAt);

/// <summary>An invitation as created: the token appears here once and is never stored in clear.</summary>
public sealed record IssuedInvitation(InvitationView Invitation, string Token);

/// <summary>
/// A tenant admin's use cases on the members of the tenant in scope. A member removed or given a lower role loses their
/// live connections to the tenant at once.
/// </summary>
public sealed class MemberDirectory(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    UserManager<PortalUser> users,
    ITenantConnections connections
)
{
    public async Task<Page<MemberView>> ListAsync(string? search, PageRequest page, CancellationToken ct)
    {
        var query = db.Memberships.AsNoTracking().Join(db.Users, m => m.UserId, u => u.Id, (m, u) => new { m, u });
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim();
            var emailPrefix = term.ToLowerInvariant();
            query = query.Where(x => x.u.Email!.StartsWith(emailPrefix) || x.u.DisplayName.Contains(term));
        }
        var total = await query.CountAsync(ct);
        var items = await query
            .OrderBy(x => x.u.Email)
            .Skip(page.Skip)
            .Take(page.Size)
            .Select(x => new MemberView(x.u.Id, x.u.Email!, x.u.DisplayName, x.m.Role, x.m.JoinedAt))
            .ToListAsync(ct);
        return new Page<MemberView>(items, page.Number, page.Size, total);
    }

    public async Task<MemberView?> FindAsync(Guid userId, CancellationToken ct) =>
        await db
            .Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Join(
                db.Users,
                m => m.UserId,
                u => u.Id,
                (m, u) => new MemberView(u.Id, u.Email!, u.DisplayName, m.Role, m.JoinedAt)
            )
            .FirstOrDefaultAsync(ct);

    public async Task<IReadOnlyList<InvitationView>> PendingInvitationsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await db
            .Invitations.AsNoTracking()
            .Where(i => i.AcceptedAt == null && i.ExpiresAt > now)
            .OrderByDescending(i => i.CreatedAt)
            .Select(i => new InvitationView(i.Id, i.Email, i.Role, i.CreatedAt, i.ExpiresAt))
            .Take(PageRequest.MaxSize)
            .ToListAsync(ct);
    }

    /// <summary>Adds a user who already has an account.</summary>
    public async Task<Result<MemberView>> AddExistingUserAsync(string? email, string? role, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var input = ValidateInput(tenant, email, role);
        if (!input.Succeeded)
            return input.Problem!;
        var (address, validRole) = input.Value;
        var user = await users.FindByEmailAsync(address);
        if (user is null)
            return Problem.Invalid(
                "Email",
                $"No account uses {address}. Invite them instead: they choose a password when they accept."
            );
        if (await db.Memberships.AnyAsync(m => m.UserId == user.Id, ct))
            return Problem.Conflict($"{address} is already a member of this tenant.", "Email");

        var membership = new TenantMembership(tenant.Id, user.Id, validRole, clock.GetUtcNow().UtcDateTime);
        db.Memberships.Add(membership);
        audit.Record(actor, tenant, TenantAuditActions.MemberAdded, "member", address, $"role '{validRole}'");
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"{address} is already a member of this tenant.", "Email");
        return new MemberView(user.Id, address, user.DisplayName, validRole, membership.JoinedAt);
    }

    public async Task<Result<IssuedInvitation>> InviteAsync(string? email, string? role, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var input = ValidateInput(tenant, email, role);
        if (!input.Succeeded)
            return input.Problem!;
        var (address, validRole) = input.Value;
        var existing = await users.FindByEmailAsync(address);
        if (existing is not null && await db.Memberships.AnyAsync(m => m.UserId == existing.Id, ct))
            return Problem.Conflict($"{address} is already a member of this tenant.", "Email");

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var invitation = new Invitation(
            tenant.Id,
            address,
            validRole,
            HashToken(token),
            actor.UserId ?? Guid.Empty,
            clock.GetUtcNow().UtcDateTime
        );
        db.Invitations.Add(invitation);
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.MemberInvited,
            "invitation",
            invitation.Id.ToString(),
            $"{address} as '{validRole}'"
        );
        await db.SaveChangesAsync(ct);
        return new IssuedInvitation(
            new InvitationView(invitation.Id, address, validRole, invitation.CreatedAt, invitation.ExpiresAt),
            token
        );
    }

    public async Task<Result> RevokeInvitationAsync(Guid invitationId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var invitation = await db.Invitations.FirstOrDefaultAsync(i => i.Id == invitationId, ct);
        if (invitation is null)
            return Problem.NotFound("The invitation");
        db.Invitations.Remove(invitation);
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.InvitationRevoked,
            "invitation",
            invitation.Id.ToString(),
            invitation.Email
        );
        await db.SaveChangesAsync(ct);
        return Result.Ok();
    }

    public async Task<Result<MemberView>> ChangeRoleAsync(Guid userId, string? role, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var validRole = TenantRoles.Parse(role);
        if (!validRole.Succeeded)
            return validRole.Problem!;
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.UserId == userId, ct);
        if (membership is null)
            return Problem.NotFound("The member");
        var allowed = MemberRoster.CanChangeRole(membership, validRole.Value, await CountAdminsAsync(ct));
        if (!allowed.Succeeded)
            return allowed.Problem!;

        var change = new ChangeSummary().Field("role", membership.Role, validRole.Value);
        var lowered = !validRole.Value.Allows(membership.Role);
        membership.ChangeRole(validRole.Value);
        var email = await EmailOfAsync(userId, ct);
        if (!change.IsEmpty)
        {
            audit.Record(actor, tenant, TenantAuditActions.MemberRoleChanged, "member", email, change.ToString());
            await db.SaveChangesAsync(ct);
        }
        if (lowered)
            await connections.EndAsync(tenant.Id, new Caller(userId, null), ct);
        return (await FindAsync(userId, ct))!;
    }

    public async Task<Result> RemoveAsync(Guid userId, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var membership = await db.Memberships.FirstOrDefaultAsync(m => m.UserId == userId, ct);
        if (membership is null)
            return Problem.NotFound("The member");
        var allowed = MemberRoster.CanRemove(membership, await CountAdminsAsync(ct));
        if (!allowed.Succeeded)
            return allowed;
        db.Memberships.Remove(membership);
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.MemberRemoved,
            "member",
            await EmailOfAsync(userId, ct),
            $"role was '{membership.Role}'"
        );
        await db.SaveChangesAsync(ct);
        await connections.EndAsync(tenant.Id, new Caller(userId, null), ct);
        return Result.Ok();
    }

    internal static string HashToken(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private Task<int> CountAdminsAsync(CancellationToken ct) =>
        db.Memberships.CountAsync(m => m.Role == TenantRole.TenantAdmin, ct);

    private async Task<string> EmailOfAsync(Guid userId, CancellationToken ct) =>
        await db.Users.Where(u => u.Id == userId).Select(u => u.Email).FirstOrDefaultAsync(ct) ?? userId.ToString();

    private static Result<(string Email, TenantRole Role)> ValidateInput(Tenant tenant, string? email, string? role)
    {
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: its members cannot change.");
        var address = EmailAddress.Create(email);
        if (!address.Succeeded)
            return address.Problem!;
        var validRole = TenantRoles.Parse(role);
        if (!validRole.Succeeded)
            return validRole.Problem!;
        return (address.Value, validRole.Value);
    }
}
