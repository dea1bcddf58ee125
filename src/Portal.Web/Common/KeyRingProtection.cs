using Microsoft.Extensions.Options;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Common;

/// <summary>
/// Outside Development the portal starts only with its key ring encrypted by a certificate
/// (<c>Portal:DataProtection:CertificatePath</c>), or with the explicit opt-out
/// <c>Portal:DataProtection:AllowUnprotectedKeys</c>, which it then warns about at every start: an unencrypted ring in
/// the database opens every secret sealed beside it.
/// </summary>
public static class KeyRingProtection
{
    private const string Refusal =
        "The Data Protection key ring would be stored in the database "
        + "unencrypted, beside the secrets it seals. Set "
        + $"{KeyRingOptions.Section}:CertificatePath "
        + "(and CertificatePassword) to a PKCS#12 file kept outside the database, "
        + "or accept the risk with "
        + $"{KeyRingOptions.Section}:AllowUnprotectedKeys=true.";

    public static IServiceCollection AddKeyRingProtection(this IServiceCollection services)
    {
        services
            .AddOptions<KeyRingOptions>()
            .Validate<IHostEnvironment>(
                (options, environment) =>
                    environment.IsDevelopment() || options.HasCertificate || options.AllowUnprotectedKeys,
                Refusal
            )
            .ValidateOnStart();
        services.AddHostedService<UnprotectedKeyRingWarning>();
        return services;
    }

    /// <summary>
    /// Refuses an unprotected key ring now, before anything at start could write a key into the database in clear.
    /// </summary>
    public static void RequireKeyRingProtection(this IServiceProvider services) =>
        _ = services.GetRequiredService<IOptions<KeyRingOptions>>().Value;

    private sealed class UnprotectedKeyRingWarning(
        IOptions<KeyRingOptions> options,
        IHostEnvironment environment,
        ILogger<UnprotectedKeyRingWarning> logger
    ) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.HasCertificate)
                return Task.CompletedTask;
            if (environment.IsDevelopment())
            {
                logger.LogInformation(
                    "Development: the Data Protection key ring is stored in the database "
                        + "unencrypted ({Setting} is not set).",
                    $"{KeyRingOptions.Section}:CertificatePath"
                );
            }
            else
            {
                logger.LogWarning(
                    "The Data Protection key ring is stored in the database unencrypted "
                        + "({Setting}=true): whoever reads the database "
                        + "or a backup of it can open every secret the portal sealed "
                        + "(kubeconfigs, middleware passwords, webhook URLs) and forge sign-ins. "
                        + "Set {CertificateSetting} to a PKCS#12 file kept outside the database.",
                    $"{KeyRingOptions.Section}:AllowUnprotectedKeys",
                    $"{KeyRingOptions.Section}:CertificatePath"
                );
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
