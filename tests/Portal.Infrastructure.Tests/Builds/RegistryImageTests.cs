using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>Images pushed with buildah to the real registry, read and deleted through its HTTP API.</summary>
[Collection(LocalRegistryCollection.Name)]
public sealed class RegistryImageTests(LocalRegistry registry)
{
    [SkippableFact]
    public async Task A_pushed_image_is_listed_by_tag_with_its_digest_and_size_and_is_deleted_by_digest()
    {
        var repository = ImageRepository.For("acme", $"shop-{Guid.NewGuid():N}"[..16]).Value;
        var pushed = await PushAsync(repository, ["one", "two"]);
        using var client = new OciRegistryClient(registry.Endpoint);

        var tags = await client.ListTagsAsync(repository, default);
        var one = await client.GetManifestAsync(repository, "one", default);
        var two = await client.GetManifestAsync(repository, "two", default);

        Assert.Equal(["one", "two"], tags.Value);
        Assert.Equal(pushed, one.Value.Digest);
        Assert.Equal(pushed, two.Value.Digest);
        Assert.Equal(OciRegistryClient.OciManifest, one.Value.MediaType);
        Assert.False(one.Value.IsIndex);
        Assert.Equal(await StoredSizeAsync(repository, "one"), one.Value.Size);
        Assert.InRange(one.Value.Size!.Value, 500_000, 5_000_000);
        Assert.Equal(one.Value, (await client.GetManifestAsync(repository, pushed, default)).Value);

        var deleted = await client.DeleteManifestAsync(repository, pushed, default);

        Assert.True(deleted.Succeeded, deleted.Problem?.Message);
        Assert.Empty((await client.ListTagsAsync(repository, default)).Value);
        Assert.Equal(ProblemKind.NotFound, (await client.GetManifestAsync(repository, "one", default)).Problem?.Kind);
        Assert.Equal(
            ProblemKind.NotFound,
            (await client.DeleteManifestAsync(repository, pushed, default)).Problem?.Kind
        );
    }

    [SkippableFact]
    public async Task A_docker_v2_manifest_has_its_size_and_an_image_index_says_it_is_one()
    {
        var repository = ImageRepository.For("acme", $"multi-{Guid.NewGuid():N}"[..16]).Value;
        var storage = Path.Combine(registry.Folder.FullName, $"push-{Guid.NewGuid():N}");
        var cli = registry.Buildah(storage);
        using var access = RegistryAccessFiles.Create(registry.Endpoint);
        var reference = $"{registry.Endpoint.Host}/{repository}";
        await RunAsync(
            cli,
            access,
            ["pull", "--tls-verify=false", "--authfile", access.AuthFile, registry.TinyBaseReference]
        );
        await RunAsync(cli, access, ["tag", registry.TinyBaseReference, $"{reference}:docker"]);
        await RunAsync(cli, access, ["push", "--format", "v2s2", .. PushFlags(access), $"{reference}:docker"]);
        await RunAsync(cli, access, ["manifest", "create", "portal-test-list"]);
        await RunAsync(cli, access, ["manifest", "add", "portal-test-list", $"{reference}:docker"]);
        await RunAsync(
            cli,
            access,
            ["manifest", "push", "--all", .. PushFlags(access), "portal-test-list", $"docker://{reference}:multi"]
        );
        using var client = new OciRegistryClient(registry.Endpoint);

        var docker = await client.GetManifestAsync(repository, "docker", default);
        var index = await client.GetManifestAsync(repository, "multi", default);

        Assert.Equal(OciRegistryClient.DockerManifest, docker.Value.MediaType);
        Assert.Equal(await StoredSizeAsync(repository, "docker"), docker.Value.Size);
        Assert.True(index.Value.IsIndex);
        Assert.Null(index.Value.Size);
        Assert.StartsWith("sha256:", index.Value.Digest, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_repository_never_pushed_to_has_no_tags_and_an_unknown_tag_is_not_found()
    {
        using var client = new OciRegistryClient(registry.Endpoint);
        var repository = ImageRepository.For("acme", "never-pushed").Value;

        var tags = await client.ListTagsAsync(repository, default);
        var manifest = await client.GetManifestAsync(repository, "v1", default);

        Assert.Empty(tags.Value);
        Assert.Equal(ProblemKind.NotFound, manifest.Problem?.Kind);
        Assert.Equal("Image acme/never-pushed:v1 was not found.", manifest.Problem!.Message);
    }

    [SkippableFact]
    public async Task A_registry_that_cannot_be_reached_is_unavailable_rather_than_an_exception()
    {
        _ = registry.Process;
        using var client = new OciRegistryClient(new RegistryEndpoint(new Uri("http://127.0.0.1:9/"), "u", "p"));

        var ping = await client.PingAsync(default);

        Assert.Equal(ProblemKind.Unavailable, ping.Problem?.Kind);
        Assert.Contains("could not be reached", ping.Problem!.Message, StringComparison.Ordinal);
    }

    /// <summary>Makes an image from the tiny base with a label of its own, pushes it; answers its digest.</summary>
    private async Task<string> PushAsync(ImageRepository repository, IReadOnlyList<string> tags)
    {
        var storage = Path.Combine(registry.Folder.FullName, $"push-{Guid.NewGuid():N}");
        var cli = registry.Buildah(storage);
        using var access = RegistryAccessFiles.Create(registry.Endpoint);
        var from = await cli.RunAsync(
            ["from", "--tls-verify=false", "--authfile", access.AuthFile, registry.TinyBaseReference],
            null,
            access,
            default,
            captureOutput: true
        );
        Assert.True(from.Succeeded, BuildahCli.Last(from, 5));
        var container = from.Output.Trim();
        var references = tags.Select(t => $"{registry.Endpoint.Host}/{repository}:{t}").ToList();
        await RunAsync(cli, access, ["config", "--label", $"made-by={repository}", container]);
        await RunAsync(cli, access, ["commit", container, references[0]]);
        await RunAsync(cli, access, ["rm", container]);
        string? digest = null;
        foreach (var reference in references)
        {
            await RunAsync(cli, access, ["tag", references[0], reference]);
            var pushed = await cli.PushAsync(reference, access, _ => { }, default);
            Assert.True(pushed.Succeeded, pushed.Problem?.Message);
            digest ??= pushed.Value;
        }
        return digest!;
    }

    private static string[] PushFlags(RegistryAccessFiles access) =>
        ["--tls-verify=false", "--authfile", access.AuthFile];

    private static async Task RunAsync(BuildahCli cli, RegistryAccessFiles access, IReadOnlyList<string> arguments)
    {
        var done = await cli.RunAsync(arguments, null, access, default);
        Assert.True(done.Succeeded, $"buildah {string.Join(' ', arguments)}: {BuildahCli.Last(done, 5)}");
    }

    /// <summary>The config and layer sizes the stored manifest lists, read without the client under test.</summary>
    private async Task<long> StoredSizeAsync(ImageRepository repository, string tag)
    {
        using var http = new HttpClient { BaseAddress = registry.Endpoint.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v2/{repository}/manifests/{tag}");
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{registry.Endpoint.User}:{registry.Endpoint.Password}"))
        );
        request.Headers.Accept.ParseAdd(OciRegistryClient.OciManifest);
        request.Headers.Accept.ParseAdd(OciRegistryClient.DockerManifest);
        using var response = await http.SendAsync(request);
        using var manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return manifest.RootElement.GetProperty("config").GetProperty("size").GetInt64()
            + manifest.RootElement.GetProperty("layers").EnumerateArray().Sum(l => l.GetProperty("size").GetInt64());
    }
}
