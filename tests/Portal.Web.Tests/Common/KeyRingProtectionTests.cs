using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;
using Portal.Infrastructure.Persistence;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

/// <summary>
/// The Data Protection key ring sits in the database beside the secrets it seals (kubeconfigs, passwords, webhook
/// URLs): outside Development it must be encrypted with a certificate kept elsewhere, or the operator must say out loud
/// that it is not.
/// </summary>
public sealed class KeyRingProtectionTests
{
    [Fact]
    public async Task Outside_development_the_portal_refuses_to_start_with_an_unencrypted_key_ring()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:DataProtection:CertificatePath"] = "",
                ["Portal:DataProtection:CertificatePassword"] = "",
            }
        );

        var refusal = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains("Portal:DataProtection:CertificatePath", Messages(refusal));
        Assert.Contains("Portal:DataProtection:AllowUnprotectedKeys", Messages(refusal));
        Assert.Empty(await StoredKeysAsync(factory));
    }

    [Fact]
    public async Task With_the_explicit_opt_out_the_portal_starts_and_warns_that_the_key_ring_is_readable()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:DataProtection:CertificatePath"] = "",
                ["Portal:DataProtection:AllowUnprotectedKeys"] = "true",
            }
        )
        {
            Logs = new CapturedLogs(),
        };

        await new Arrange(factory).AdminAsync();

        Assert.Contains(factory.Logs!.Lines, line =>
            line.StartsWith("Warning", StringComparison.Ordinal)
            && line.Contains("key ring")
            && line.Contains("Portal:DataProtection:AllowUnprotectedKeys")
        );
    }

    [Fact]
    public async Task In_development_an_unencrypted_key_ring_is_accepted()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:DataProtection:CertificatePath"] = "" }
        )
        {
            EnvironmentName = "Development",
        };

        await new Arrange(factory).AdminAsync();
    }

    [Fact]
    public async Task A_certificate_encrypts_the_key_ring_stored_in_the_database()
    {
        await using var factory = new PortalFactory(DatabaseKind.Sqlite);
        await new Arrange(factory).AdminAsync();

        var keys = await StoredKeysAsync(factory);

        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("<EncryptedData", xml);
            Assert.DoesNotContain("<masterKey", xml);
        });
    }

    [Fact]
    public void A_certificate_that_cannot_be_read_stops_the_start_naming_the_setting()
    {
        var path = Path.Combine(Path.GetTempPath(), $"portal-missing-{Guid.NewGuid():N}.pfx");
        using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:DataProtection:CertificatePath"] = path }
        );

        var refusal = Assert.ThrowsAny<Exception>(() => factory.Server);

        Assert.Contains($"Portal:DataProtection:CertificatePath '{path}'", Messages(refusal));
    }

    [Fact]
    public async Task The_certificate_command_of_the_compose_file_creates_a_certificate_once_that_the_portal_encrypts_with()
    {
        var folder = Directory.CreateTempSubdirectory("portal-key-ring-");
        var path = Path.Combine(folder.FullName, "key-ring.pfx");
        try
        {
            var first = new StringWriter();
            KeyRingCertificate.CreateIfMissing(path, "compose-pass", first);
            var created = await File.ReadAllBytesAsync(path);
            var second = new StringWriter();
            KeyRingCertificate.CreateIfMissing(path, "compose-pass", second);

            Assert.Contains(path, first.ToString());
            Assert.Contains("already exists", second.ToString());
            Assert.Equal(created, await File.ReadAllBytesAsync(path));
            using (var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, "compose-pass"))
                Assert.True(certificate.HasPrivateKey);
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            await using var factory = new PortalFactory(
                DatabaseKind.Sqlite,
                new Dictionary<string, string?>
                {
                    ["Portal:DataProtection:CertificatePath"] = path,
                    ["Portal:DataProtection:CertificatePassword"] = "compose-pass",
                }
            );
            await new Arrange(factory).AdminAsync();
            Assert.All(await StoredKeysAsync(factory), xml => Assert.Contains("<EncryptedData", xml));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The key ring as the database holds it, read without the portal (which may have refused to start).
    /// </summary>
    private static async Task<List<string>> StoredKeysAsync(PortalFactory factory)
    {
        await using var connection = new SqliteConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'DataProtectionKeys'";
        if (await command.ExecuteScalarAsync() is null)
            return [];
        command.CommandText = "SELECT Xml FROM DataProtectionKeys";
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            keys.Add(reader.GetString(0));
        return keys;
    }

    private static string Messages(Exception e) =>
        e is AggregateException aggregate
            ? string.Join(" ", aggregate.InnerExceptions.Select(Messages))
            : e.Message + " " + (e.InnerException is { } inner ? Messages(inner) : "");
}
