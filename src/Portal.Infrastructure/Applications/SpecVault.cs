using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Portal.Domain.Applications;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Seals a deployment spec for storage: JSON in which the values of secret variables are encrypted with Data
/// Protection, so that the database, its backups and its logs never hold them in clear.
/// </summary>
public sealed class SpecVault(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Applications.SecretVariables.v1");

    public string Seal(DeploymentSpec spec) =>
        JsonSerializer.Serialize(
            spec.WithEnvironment(
                spec.Environment.Select(v => v.IsSecret ? v with { Value = _protector.Protect(v.Value) } : v)
            )
        );

    public DeploymentSpec Open(string sealedSpec)
    {
        var spec = JsonSerializer.Deserialize<DeploymentSpec>(sealedSpec)
            ?? throw new InvalidOperationException("A stored spec is empty.");
        return spec.WithEnvironment(
            spec.Environment.Select(v => v.IsSecret ? v with { Value = _protector.Unprotect(v.Value) } : v)
        );
    }
}
