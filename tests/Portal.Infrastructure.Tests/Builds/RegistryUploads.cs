using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// Pushes small distinct images to a registry through its HTTP API (a config and a layer blob, an OCI manifest), as
/// any client does: fast, so that retention tests can have many images without buildah.
/// </summary>
public static class RegistryUploads
{
    /// <summary>Pushes an image (its config names <paramref name="label"/>) under each tag; its digest.</summary>
    public static async Task<string> PushAsync(
        RegistryEndpoint endpoint,
        ImageRepository repository,
        string label,
        params string[] tags
    )
    {
        using var http = new HttpClient { BaseAddress = endpoint.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{endpoint.User}:{endpoint.Password}"))
        );
        var config = JsonSerializer.SerializeToUtf8Bytes(
            new
            {
                architecture = "amd64",
                os = "linux",
                config = new { Labels = new Dictionary<string, string> { ["test"] = label } },
                rootfs = new { type = "layers", diff_ids = Array.Empty<string>() },
            }
        );
        var layer = Encoding.UTF8.GetBytes(label);
        var configDigest = await UploadBlobAsync(http, repository, config);
        var layerDigest = await UploadBlobAsync(http, repository, layer);
        var manifest = JsonSerializer.SerializeToUtf8Bytes(
            new
            {
                schemaVersion = 2,
                mediaType = OciRegistryClient.OciManifest,
                config = new
                {
                    mediaType = "application/vnd.oci.image.config.v1+json",
                    digest = configDigest,
                    size = config.Length,
                },
                layers = new[]
                {
                    new
                    {
                        mediaType = "application/vnd.oci.image.layer.v1.tar+gzip",
                        digest = layerDigest,
                        size = layer.Length,
                    },
                },
            }
        );
        foreach (var tag in tags)
        {
            using var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(OciRegistryClient.OciManifest);
            using var put = await http.PutAsync($"/v2/{repository}/manifests/{tag}", content);
            Assert.True(put.IsSuccessStatusCode, $"PUT manifest {tag}: {(int)put.StatusCode}");
        }
        return Digest(manifest);
    }

    private static async Task<string> UploadBlobAsync(HttpClient http, ImageRepository repository, byte[] blob)
    {
        using var start = await http.PostAsync($"/v2/{repository}/blobs/uploads/", null);
        Assert.True(start.IsSuccessStatusCode, $"POST blob upload: {(int)start.StatusCode}");
        var location = start.Headers.Location!.ToString();
        var digest = Digest(blob);
        using var content = new ByteArrayContent(blob);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        var separator = location.Contains('?') ? '&' : '?';
        using var put = await http.PutAsync($"{location}{separator}digest={Uri.EscapeDataString(digest)}", content);
        Assert.True(put.IsSuccessStatusCode, $"PUT blob: {(int)put.StatusCode}");
        return digest;
    }

    private static string Digest(byte[] bytes) => $"sha256:{Convert.ToHexStringLower(SHA256.HashData(bytes))}";
}
