using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.BareMetal;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>Bare-metal accounts and a provider over the pins, for tests against <see cref="LocalSshServer"/>.</summary>
public static class BareMetalAccounts
{
    public static BareMetalProvider Provider(
        ISshHostKeyPins pins,
        TimeSpan? scriptTimeout = null,
        ILogger<BareMetalProvider>? logger = null
    ) =>
        new(pins, TimeProvider.System, logger ?? NullLogger<BareMetalProvider>.Instance)
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            ScriptTimeout = scriptTimeout ?? TimeSpan.FromMinutes(1),
        };

    /// <summary>An account listing the servers (as "address # machine-N") with the first server's client key.</summary>
    public static CloudAccess For(
        IReadOnlyList<LocalSshServer> servers,
        string? privateKey = null,
        string resetScript = "",
        string keyPassphrase = "",
        string password = ""
    ) =>
        new(
            Guid.NewGuid(),
            CloudKind.BareMetal,
            null,
            BareMetalProvider.Region,
            new Dictionary<string, string>
            {
                [BareMetalProvider.MachinesField] = string.Join(
                    "\n",
                    servers.Select((s, i) => $"{s.Address} # machine-{i + 1}")
                ),
                [BareMetalProvider.UserNameField] = servers[0].UserName,
                [BareMetalProvider.ResetScriptField] = resetScript,
            },
            new Dictionary<string, string>
            {
                [BareMetalProvider.PrivateKeyField] = privateKey ?? servers[0].ClientKey,
                [BareMetalProvider.KeyPassphraseField] = keyPassphrase,
                [BareMetalProvider.PasswordField] = password,
            }
        );

    public static InstanceSpec Spec(string hostTag, string instanceType = "") =>
        new(
            hostTag,
            $"host-{hostTag}",
            "",
            instanceType,
            "",
            0,
            "",
            "",
            "",
            "",
            "",
            new Dictionary<string, string> { [CloudTags.Pool] = "gpu-pool" }
        );
}
