using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Identity;

/// <summary>
/// The OpenID Connect server's signing and encryption keys: made once, kept in the database protected by
/// Data Protection, and shared by every replica.
/// </summary>
public sealed class OidcKeyRing(IServiceScopeFactory scopes, IDataProtectionProvider protection, TimeProvider clock)
{
    public const string Signing = "signing";
    public const string Encryption = "encryption";

    private readonly IDataProtector _protector = protection.CreateProtector("Portal.OidcKeyRing.v1");

    public RsaSecurityKey Get(string use)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var stored = db.OidcSigningKeys.AsNoTracking().FirstOrDefault(k => k.Use == use);
        if (stored is null)
        {
            using var fresh = RSA.Create(2048);
            db.OidcSigningKeys.Add(
                new OidcSigningKey
                {
                    Use = use,
                    ProtectedKey = _protector.Protect(fresh.ExportPkcs8PrivateKeyPem()),
                    CreatedAt = clock.GetUtcNow().UtcDateTime,
                }
            );
            try
            {
                db.SaveChanges();
            }
            catch (DbUpdateException)
            {
                // Another replica made the key first: use theirs.
            }
            stored = db.OidcSigningKeys.AsNoTracking().First(k => k.Use == use);
        }
        var rsa = RSA.Create();
        rsa.ImportFromPem(_protector.Unprotect(stored.ProtectedKey));
        return new RsaSecurityKey(rsa) { KeyId = $"{use}-{stored.Id}" };
    }
}
