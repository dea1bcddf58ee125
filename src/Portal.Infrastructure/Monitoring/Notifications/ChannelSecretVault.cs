using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>
/// Issues and seals the secrets webhooks are signed with: the user sees a secret once, when it is issued; the
/// database holds it only sealed with Data Protection. Seals webhook URLs too, whose path or query may be a credential.
/// </summary>
public sealed class ChannelSecretVault(IDataProtectionProvider protection)
{
    private const int SecretBytes = 32;
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Monitoring.ChannelSecret.v1");
    private readonly IDataProtector _urls = protection.CreateProtector("Portal.Monitoring.ChannelUrl.v1");

    /// <summary>A new random secret of 32 bytes, base64url-encoded, to show to the user once.</summary>
    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));

    public string Seal(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return _protector.Protect(secret);
    }

    public string Open(string sealedSecret)
    {
        ArgumentException.ThrowIfNullOrEmpty(sealedSecret);
        return _protector.Unprotect(sealedSecret);
    }

    public string SealUrl(string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        return _urls.Protect(url);
    }

    public string OpenUrl(string sealedUrl)
    {
        ArgumentException.ThrowIfNullOrEmpty(sealedUrl);
        return _urls.Unprotect(sealedUrl);
    }
}
