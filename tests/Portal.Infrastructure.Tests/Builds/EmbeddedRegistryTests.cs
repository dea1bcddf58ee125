using Microsoft.Extensions.Logging.Abstractions;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

[Collection(LocalRegistryCollection.Name)]
public sealed class EmbeddedRegistryTests(LocalRegistry registry)
{
    [SkippableFact]
    public async Task The_embedded_registry_answers_the_credentials_it_was_started_with()
    {
        using var client = new OciRegistryClient(registry.Endpoint);

        var ping = await client.PingAsync(default);

        Assert.True(ping.Succeeded, ping.Problem?.Message);
        Assert.True(registry.Endpoint.BaseAddress.IsLoopback);
    }

    /// <summary>
    /// Distribution's htpasswd sign-in gives every user every right, so the pull user is not read-only (the README says
    /// so); it is a credential of its own, the one clusters get, which reads the images.
    /// </summary>
    [SkippableFact]
    public async Task The_pull_user_clusters_get_reads_the_images_with_a_password_of_its_own()
    {
        var pull = registry.Process.PullAccess;
        using var client = new OciRegistryClient(registry.Endpoint with { User = pull.User, Password = pull.Password });

        var manifest = await client.GetManifestAsync(
            ImageRepository.Parse(LocalRegistry.TinyBase).Value,
            LocalRegistry.TinyTag,
            default
        );

        Assert.True(manifest.Succeeded, manifest.Problem?.Message);
        Assert.Equal((EmbeddedRegistryProcess.PullUser, registry.Endpoint.Host), (pull.User, pull.Host));
        Assert.NotEqual(registry.Endpoint.Password, pull.Password);
    }

    [SkippableFact]
    public async Task A_wrong_password_is_refused_with_a_message_that_names_the_user_and_not_the_password()
    {
        using var client = new OciRegistryClient(registry.Endpoint with { Password = "not-the-password" });

        var ping = await client.PingAsync(default);
        var tags = await client.ListTagsAsync(ImageRepository.Parse(LocalRegistry.TinyBase).Value, default);

        Assert.Equal(ProblemKind.Forbidden, ping.Problem?.Kind);
        Assert.Equal(ProblemKind.Forbidden, tags.Problem?.Kind);
        Assert.Contains("refused the credentials of user 'portal'", ping.Problem!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", ping.Problem.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task No_credentials_at_all_are_refused_too()
    {
        using var client = new OciRegistryClient(registry.Endpoint with { User = null, Password = null });

        var ping = await client.PingAsync(default);

        Assert.Equal(ProblemKind.Forbidden, ping.Problem?.Kind);
        Assert.Contains(
            "asks for credentials and none are configured",
            ping.Problem!.Message,
            StringComparison.Ordinal
        );
    }

    [SkippableFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_files_that_name_the_credentials_are_the_owners_alone_and_hold_no_password_in_clear()
    {
        var folder = registry.RegistryFolder;
        _ = registry.Process;

        foreach (var file in new[] { "config.yml", "htpasswd" })
        {
            var path = Path.Combine(folder, file);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.DoesNotContain(
                registry.Endpoint.Password!,
                await File.ReadAllTextAsync(path),
                StringComparison.Ordinal
            );
        }
        Assert.StartsWith(
            "portal:$2",
            await File.ReadAllTextAsync(Path.Combine(folder, "htpasswd")),
            StringComparison.Ordinal
        );
        Assert.Contains(
            "enabled: true",
            await File.ReadAllTextAsync(Path.Combine(folder, "config.yml")),
            StringComparison.Ordinal
        );
    }

    [SkippableFact]
    public async Task A_registry_that_stops_takes_its_process_and_its_credential_files_with_it()
    {
        _ = registry.Process;
        var folder = Path.Combine(registry.Folder.FullName, "second");
        var started = await EmbeddedRegistryProcess.StartAsync(
            new EmbeddedRegistrySettings(folder),
            NullLogger.Instance,
            default
        );
        Assert.True(started.Succeeded, started.Problem?.Message);
        var process = started.Value;
        var pid = process.ProcessId;
        Assert.True(Directory.Exists($"/proc/{pid}"));

        await process.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"));
        Assert.False(File.Exists(Path.Combine(folder, "config.yml")));
        Assert.False(File.Exists(Path.Combine(folder, "htpasswd")));
        Assert.True(Directory.Exists(Path.Combine(folder, "storage")), "images stay for the next start");
    }

    [Fact]
    public async Task A_registry_that_is_not_installed_says_what_to_install_and_starts_nothing()
    {
        var folder = Directory.CreateTempSubdirectory("portal-registry-missing-");
        try
        {
            var started = await EmbeddedRegistryProcess.StartAsync(
                new EmbeddedRegistrySettings(folder.FullName) { Executable = "docker-registry-not-installed" },
                NullLogger.Instance,
                default
            );

            Assert.Equal(ProblemKind.Unavailable, started.Problem?.Kind);
            Assert.Contains(
                "'docker-registry-not-installed' is not installed",
                started.Problem!.Message,
                StringComparison.Ordinal
            );
            Assert.Contains("apt-get install", started.Problem.Message, StringComparison.Ordinal);
            Assert.Empty(folder.GetFileSystemInfos());
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
