using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using OpenIddict.Abstractions;
using Portal.Domain.Audit;
using Portal.Domain.Common;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Portal.Infrastructure.Tenancy;

public sealed record ServiceAccountView(Guid Id, string Name, TenantRole Role, string ClientId, DateTime CreatedAt);

/// <summary>A new service account with its secret, which is shown once and kept only as a hash.</summary>
public sealed record IssuedServiceAccount(ServiceAccountView Account, string ClientSecret);

/// <summary>Service accounts of the tenant in scope: OAuth clients that call the API with client credentials.</summary>
public sealed class ServiceAccounts(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    PortalDbContext db,
    AuditTrail audit,
    TimeProvider clock,
    IOpenIddictApplicationManager clients,
    ITenantConnections connections
)
{
    public async Task<IReadOnlyList<ServiceAccountView>> ListAsync(CancellationToken ct) =>
        await db
            .ServiceAccounts.AsNoTracking()
            .OrderBy(s => s.Name)
            .Select(s => new ServiceAccountView(s.Id, s.Name, s.Role, s.ClientId, s.CreatedAt))
            .Take(Common.PageRequest.MaxSize)
            .ToListAsync(ct);

    public async Task<Result<IssuedServiceAccount>> CreateAsync(string? name, string? role, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (tenant.IsReadOnly)
            return Problem.Forbidden($"Tenant '{tenant.Slug}' is suspended: no service account can be created.");
        var validName = DisplayName.Create(name, "Name");
        if (!validName.Succeeded)
            return validName.Problem!;
        var validRole = TenantRoles.Parse(role);
        if (!validRole.Succeeded)
            return validRole.Problem!;
        if (await db.ServiceAccounts.AnyAsync(s => s.Name == validName.Value, ct))
            return Problem.Conflict($"A service account named '{validName.Value}' exists already.", "Name");

        var account = new ServiceAccount(
            tenant.Id,
            validName.Value,
            validRole.Value,
            actor.UserId ?? Guid.Empty,
            clock.GetUtcNow().UtcDateTime
        );
        var secret = Convert
            .ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=')
            .Replace('+', '-')
            .Replace('/', '_');

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ServiceAccounts.Add(account);
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.ServiceAccountCreated,
            "service-account",
            account.ClientId,
            $"name '{account.Name}', role '{account.Role}'"
        );
        if (!await db.TrySaveUniqueAsync(ct))
            return Problem.Conflict($"A service account named '{validName.Value}' exists already.", "Name");
        await clients.CreateAsync(
            new OpenIddictApplicationDescriptor
            {
                ClientId = account.ClientId,
                ClientSecret = secret,
                ClientType = ClientTypes.Confidential,
                DisplayName = $"{tenant.Slug}/{account.Name}",
                Permissions = { Permissions.Endpoints.Token, Permissions.GrantTypes.ClientCredentials },
            },
            ct
        );
        await transaction.CommitAsync(ct);

        return new IssuedServiceAccount(
            new ServiceAccountView(account.Id, account.Name, account.Role, account.ClientId, account.CreatedAt),
            secret
        );
    }

    public async Task<Result> DeleteAsync(Guid id, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        var account = await db.ServiceAccounts.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (account is null)
            return Problem.NotFound("The service account");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await clients.FindByClientIdAsync(account.ClientId, ct) is { } client)
            await clients.DeleteAsync(client, ct);
        db.ServiceAccounts.Remove(account);
        audit.Record(
            actor,
            tenant,
            TenantAuditActions.ServiceAccountDeleted,
            "service-account",
            account.ClientId,
            $"name '{account.Name}'"
        );
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        await connections.EndAsync(tenant.Id, new Caller(null, account.Id), ct);
        return Result.Ok();
    }
}
