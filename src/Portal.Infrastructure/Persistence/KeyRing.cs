using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Infrastructure.Persistence;

/// <summary>
/// Bound from <c>Portal:DataProtection</c>: how the Data Protection key ring is protected in the database that holds
/// it.
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "Portal:DataProtection";

    /// <summary>
    /// A PKCS#12 file whose certificate encrypts the key ring; kept outside the database, so that a copy of it opens
    /// nothing.
    /// </summary>
    public string? CertificatePath { get; set; }

    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Keep the key ring unencrypted outside Development, knowingly: the portal then warns at every start.
    /// </summary>
    public bool AllowUnprotectedKeys { get; set; }

    public bool HasCertificate => !string.IsNullOrWhiteSpace(CertificatePath);
}

/// <summary>
/// The Data Protection key ring that seals the portal's secrets (kubeconfigs, middleware passwords, webhook URLs and
/// secrets) and its cookies: kept in the database, so that every replica shares it, and encrypted there with the
/// configured certificate.
/// </summary>
public static class KeyRing
{
    public static void AddPortalKeyRing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<KeyRingOptions>().Bind(configuration.GetSection(KeyRingOptions.Section));
        var options = configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        var dataProtection = services
            .AddDataProtection()
            .SetApplicationName("developer-center")
            .PersistKeysToDbContext<PortalDbContext>();
        if (options.HasCertificate)
            dataProtection.ProtectKeysWithCertificate(
                Certificate(options.CertificatePath!, options.CertificatePassword)
            );
    }

    private static X509Certificate2 Certificate(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(
                path,
                string.IsNullOrEmpty(password) ? null : password
            );
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException(
                $"{KeyRingOptions.Section}:CertificatePath '{path}' could not be read as "
                    + $"a PKCS#12 file with {KeyRingOptions.Section}:CertificatePassword: "
                    + $"{e.Message}",
                e
            );
        }
        if (!certificate.HasPrivateKey)
        {
            throw new InvalidOperationException(
                $"{KeyRingOptions.Section}:CertificatePath '{path}' holds no private "
                    + "key: the portal could encrypt its key ring but never read it back."
            );
        }

        return certificate;
    }
}

/// <summary>
/// Makes the certificate that encrypts the key ring, once: what <c>docker-compose.yml</c>'s init step runs before the
/// portal starts (<c>dotnet Portal.Web.dll create-key-ring-certificate /app/key-ring/key-ring.pfx</c>).
/// </summary>
public static class KeyRingCertificate
{
    public const string Command = "create-key-ring-certificate";

    public static void CreateIfMissing(string path, string? password, TextWriter output)
    {
        if (File.Exists(path))
        {
            output.WriteLine($"The key ring certificate {path} already exists; it is kept.");
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest(
            "CN=developer-center key ring",
            rsa,
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1
        );
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment, critical: true));
        // Data Protection never checks the dates: the certificate only has to outlive the data it protects.
        using var certificate = request.CreateSelfSigned(
            DateTimeOffset.UtcNow.AddMinutes(-5),
            DateTimeOffset.UtcNow.AddYears(100)
        );
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        // Written beside the target and moved into place, so that a second init step never sees half a file.
        var partial = $"{path}.{Guid.NewGuid():N}.partial";
        using (var stream = new FileStream(partial, file))
            stream.Write(certificate.Export(X509ContentType.Pkcs12, string.IsNullOrEmpty(password) ? null : password));
        try
        {
            File.Move(partial, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(partial);
            output.WriteLine($"The key ring certificate {path} was created meanwhile by another step; it is kept.");
            return;
        }
        output.WriteLine(
            $"Created the key ring certificate {path} (thumbprint "
                + $"{certificate.Thumbprint}). Back it up apart from the database: "
                + "without it the secrets the portal sealed cannot be read."
        );
    }
}
