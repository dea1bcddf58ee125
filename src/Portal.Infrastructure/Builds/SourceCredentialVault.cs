using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Portal.Domain.Builds;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// Seals a source's Git credential for storage with Data Protection: the database, its backups and its logs never hold
/// a token, a password or a private key in clear.
/// </summary>
public sealed class SourceCredentialVault(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Builds.SourceCredentials.v1");

    private sealed record Stored(string UserName, string Secret);

    public string Seal(GitCredential credential) =>
        credential.Kind == GitCredentialKind.None
            ? ""
            : _protector.Protect(JsonSerializer.Serialize(new Stored(credential.UserName, credential.Secret)));

    public GitCredential Open(GitCredentialKind kind, string sealedCredential)
    {
        if (kind == GitCredentialKind.None || sealedCredential.Length == 0)
            return GitCredential.None;
        var stored = JsonSerializer.Deserialize<Stored>(_protector.Unprotect(sealedCredential))
            ?? throw new InvalidOperationException("A stored source credential is empty.");
        return GitCredential.Restore(kind, stored.UserName, stored.Secret);
    }
}
