using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Infrastructure.Clouds;

/// <summary>
/// Seals the secret fields of cloud accounts (and hosts' bootstrap tokens) with Data Protection; only the calls to a
/// provider or a cluster open them, for the call.
/// </summary>
public sealed class CloudSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _accounts = protection.CreateProtector("Portal.Clouds.AccountSecrets.v1");
    private readonly IDataProtector _tokens = protection.CreateProtector("Portal.Clouds.BootstrapTokens.v1");

    public string Seal(IReadOnlyDictionary<string, string> secrets) =>
        _accounts.Protect(JsonSerializer.Serialize(secrets));

    public IReadOnlyDictionary<string, string> Open(string sealedSecrets) =>
        sealedSecrets.Length == 0
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(_accounts.Unprotect(sealedSecrets)) ?? [];

    public string SealToken(string token) => _tokens.Protect(token);

    public string OpenToken(string sealedToken) => _tokens.Unprotect(sealedToken);
}
