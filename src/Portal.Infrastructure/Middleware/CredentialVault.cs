using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// Seals an instance's generated credentials for storage with Data Protection: the database never holds them in clear.
/// </summary>
public sealed class CredentialVault(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Middleware.Credentials.v1");

    public string Seal(IReadOnlyDictionary<string, string> credentials) =>
        _protector.Protect(JsonSerializer.Serialize(credentials));

    public IReadOnlyDictionary<string, string> Open(string sealedCredentials) =>
        sealedCredentials.Length == 0
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(sealedCredentials))
                ?? throw new InvalidOperationException("Stored credentials are empty.");
}
