using Microsoft.AspNetCore.DataProtection;

namespace Portal.Infrastructure.Clusters;

/// <summary>Kubeconfigs are kept encrypted with Data Protection; only the cluster gateway reads them back.</summary>
public sealed class KubeconfigVault(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Portal.Clusters.Kubeconfig.v1");

    public string Protect(string kubeconfig) => _protector.Protect(kubeconfig);

    public string Unprotect(string protectedKubeconfig) => _protector.Unprotect(protectedKubeconfig);
}
