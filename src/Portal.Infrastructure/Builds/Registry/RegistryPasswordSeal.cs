using Microsoft.AspNetCore.DataProtection;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>Seals the registry's password for <c>Portal:Builds:Registry:SealedPassword</c>, and opens it.</summary>
public sealed class RegistryPasswordSeal(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Builds.RegistryPassword.v1");

    public string Seal(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        return _protector.Protect(password);
    }

    public string Open(string sealedPassword)
    {
        ArgumentException.ThrowIfNullOrEmpty(sealedPassword);
        return _protector.Unprotect(sealedPassword);
    }
}
