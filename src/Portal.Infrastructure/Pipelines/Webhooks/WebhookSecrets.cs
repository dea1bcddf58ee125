using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.WebUtilities;

namespace Portal.Infrastructure.Pipelines.Webhooks;

/// <summary>A webhook secret as shown once to the person who made it, and as stored.</summary>
public sealed record NewWebhookSecret(string Secret, string Sealed);

/// <summary>
/// Makes and keeps pipelines' webhook secrets: 32 random bytes, URL-safe, sealed with Data Protection for storage, so
/// that the database, its backups and its logs never hold one in clear; opened only to check a delivery.
/// </summary>
public sealed class WebhookSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Pipelines.WebhookSecrets.v1");

    public NewWebhookSecret New()
    {
        var secret = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        return new NewWebhookSecret(secret, _protector.Protect(secret));
    }

    public string Open(string sealedSecret) => _protector.Unprotect(sealedSecret);
}
