using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// A client of the OCI distribution API v2. It signs in the way the registry's 401 asks: Basic credentials, or a
/// Bearer token fetched from the challenge's realm (with the credentials, for the challenge's scope) and kept until it
/// expires. Safe to share: one per registry.
/// </summary>
public sealed partial class OciRegistryClient : IImageRegistry, IDisposable
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";

    private const int MaxPages = 1000;
    private static readonly TimeSpan DefaultTokenLife = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly RegistryEndpoint _endpoint;
    private readonly int _pageSize;
    private readonly TimeProvider _clock;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Until)> _tokens = new();
    private volatile bool _basicWanted;

    /// <param name="handler">What to send through; null makes one that honours the endpoint's TLS setting.</param>
    /// <param name="pageSize">How many tags to ask for per page; registries may answer with fewer.</param>
    public OciRegistryClient(
        RegistryEndpoint endpoint,
        HttpMessageHandler? handler = null,
        int pageSize = 1000,
        TimeProvider? clock = null
    )
    {
        _endpoint = endpoint;
        _pageSize = pageSize;
        _clock = clock ?? TimeProvider.System;
        _http = new HttpClient(handler ?? CreateHandler(endpoint), disposeHandler: true)
        {
            BaseAddress = endpoint.BaseAddress,
            Timeout = TimeSpan.FromSeconds(100),
        };
    }

    public string Host => _endpoint.Host;

    public async Task<Result> PingAsync(CancellationToken ct)
    {
        var answer = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, "/v2/"), null, ct);
        if (!answer.Succeeded)
            return answer.Problem!;
        using var response = answer.Value;
        return response.IsSuccessStatusCode ? Result.Ok() : Unexpected(response, "answer /v2/");
    }

    public async Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct)
    {
        var tags = new List<string>();
        string? next = $"/v2/{repository}/tags/list?n={_pageSize}";
        for (var page = 0; next is not null; page++)
        {
            if (page == MaxPages)
                return Problem.Unavailable(
                    $"The registry at {Host} kept answering more pages of tags of {repository}."
                );
            var url = next;
            var answer = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), Pull(repository), ct);
            if (!answer.Succeeded)
                return answer.Problem!;
            using var response = answer.Value;
            if (response.StatusCode == HttpStatusCode.NotFound)
                return tags.Order(StringComparer.Ordinal).ToList();
            if (!response.IsSuccessStatusCode)
                return Unexpected(response, $"list the tags of {repository}");
            using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), default, ct);
            if (body.RootElement.TryGetProperty("tags", out var list) && list.ValueKind == JsonValueKind.Array)
                tags.AddRange(list.EnumerateArray().Select(t => t.GetString()).OfType<string>());
            next = NextPage(response);
        }
        return tags.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<Result<RegistryManifest>> GetManifestAsync(
        ImageRepository repository,
        string reference,
        CancellationToken ct
    )
    {
        if (!ImageTags.IsValid(reference) && !IsDigest(reference))
            return Problem.Invalid("Reference", $"'{reference}' is neither a tag nor a digest.");
        var answer = await GetAsync(
            $"/v2/{repository}/manifests/{reference}",
            [OciManifest, DockerManifest, OciIndex, DockerManifestList],
            repository,
            $"Image {repository}:{reference}",
            ct
        );
        if (!answer.Succeeded)
            return answer.Problem!;
        using var response = answer.Value;
        var bytes = await response.Content.ReadAsByteArrayAsync(ct);
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var digests)
            ? digests.First()
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        using var manifest = JsonDocument.Parse(bytes);
        var root = manifest.RootElement;
        var mediaType =
            root.TryGetProperty("mediaType", out var declared) && declared.GetString() is { Length: > 0 } inBody
                ? inBody
                : response.Content.Headers.ContentType?.MediaType ?? "";
        return mediaType switch
        {
            OciIndex or DockerManifestList => new RegistryManifest(digest, mediaType, null, IsIndex: true),
            OciManifest or DockerManifest => new RegistryManifest(digest, mediaType, ImageSize(root), IsIndex: false),
            _ => Problem.Conflict(
                $"{repository}:{reference} has a manifest of type '{mediaType}', which is neither an OCI nor a "
                    + "Docker v2 image manifest or index."
            ),
        };
    }

    /// <summary>
    /// What the image a tag (or digest) names says about running it, read from its config blob: exposed ports, user,
    /// entrypoint, command, working folder and when it was made. An image index has no config of its own.
    /// </summary>
    public async Task<Result<ImageFacts>> GetImageFactsAsync(
        ImageRepository repository,
        string reference,
        CancellationToken ct
    )
    {
        if (!ImageTags.IsValid(reference) && !IsDigest(reference))
            return Problem.Invalid("Reference", $"'{reference}' is neither a tag nor a digest.");
        var manifest = await GetJsonAsync(
            $"/v2/{repository}/manifests/{reference}",
            [OciManifest, DockerManifest, OciIndex, DockerManifestList],
            repository,
            $"Image {repository}:{reference}",
            ct
        );
        if (!manifest.Succeeded)
            return manifest.Problem!;
        using var manifestJson = manifest.Value;
        if (
            !manifestJson.RootElement.TryGetProperty("config", out var config)
            || !config.TryGetProperty("digest", out var digest)
            || !IsDigest(digest.GetString())
        )
            return Problem.Conflict(
                $"{repository}:{reference} is an image index or a manifest without a config, so it says nothing "
                    + "about running one image."
            );
        var blob = await GetJsonAsync(
            $"/v2/{repository}/blobs/{digest.GetString()}",
            [],
            repository,
            $"The config of {repository}:{reference}",
            ct
        );
        if (!blob.Succeeded)
            return blob.Problem!;
        using var configJson = blob.Value;
        return ImageConfigJson.Facts(configJson.RootElement);
    }

    private async Task<Result<JsonDocument>> GetJsonAsync(
        string path,
        string[] accept,
        ImageRepository repository,
        string what,
        CancellationToken ct
    )
    {
        var answer = await GetAsync(path, accept, repository, what, ct);
        if (!answer.Succeeded)
            return answer.Problem!;
        using var response = answer.Value;
        try
        {
            return await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), default, ct);
        }
        catch (JsonException e)
        {
            return Problem.Conflict($"The registry at {Host} answered {path} with what is not JSON: {e.Message}");
        }
    }

    /// <summary>
    /// A successful answer to a GET of <paramref name="path"/> (the caller disposes it); a 404 is
    /// <paramref name="what"/> not found, any other failure a problem naming the path.
    /// </summary>
    private async Task<Result<HttpResponseMessage>> GetAsync(
        string path,
        string[] accept,
        ImageRepository repository,
        string what,
        CancellationToken ct
    )
    {
        var answer = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, path);
                foreach (var type in accept)
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
                return request;
            },
            Pull(repository),
            ct
        );
        if (!answer.Succeeded)
            return answer.Problem!;
        var response = answer.Value;
        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            return response.StatusCode == HttpStatusCode.NotFound
                ? Problem.NotFound(what)
                : Unexpected(response, $"give {path}");
    }

    public async Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct)
    {
        if (!IsDigest(digest))
            return Problem.Invalid("Digest", $"'{digest}' is not a digest; manifests are deleted by digest.");
        var answer = await SendAsync(
            () => new HttpRequestMessage(HttpMethod.Delete, $"/v2/{repository}/manifests/{digest}"),
            $"repository:{repository}:delete",
            ct
        );
        if (!answer.Succeeded)
            return answer.Problem!;
        using var response = answer.Value;
        return response.StatusCode switch
        {
            HttpStatusCode.Accepted or HttpStatusCode.OK => Result.Ok(),
            HttpStatusCode.NotFound => Problem.NotFound($"Manifest {digest} of {repository}"),
            HttpStatusCode.MethodNotAllowed => Problem.Conflict(
                $"The registry at {Host} does not allow deleting images (its storage has delete disabled)."
            ),
            _ => Unexpected(response, $"delete {repository}@{digest}"),
        };
    }

    public void Dispose() => _http.Dispose();

    public static bool IsDigest(string? value) => value is not null && Digest().IsMatch(value);

    /// <summary>
    /// Sends with the authorization the registry asked for last time; on a 401, answers its challenge once and sends
    /// again. A refusal after that is the credentials' fault.
    /// </summary>
    private async Task<Result<HttpResponseMessage>> SendAsync(
        Func<HttpRequestMessage> request,
        string? scope,
        CancellationToken ct
    )
    {
        try
        {
            var response = await SendAuthorizedAsync(request(), scope, ct);
            if (response.StatusCode != HttpStatusCode.Unauthorized)
                return Refused(response) ?? Result<HttpResponseMessage>.Ok(response);

            var challenge = RegistryChallenge.From(response.Headers.WwwAuthenticate);
            response.Dispose();
            if (challenge is null)
                return Problem.Forbidden($"The registry at {Host} refused the request and named no way to sign in.");
            if (!_endpoint.HasCredentials && challenge.IsBasic)
                return Problem.Forbidden($"The registry at {Host} asks for credentials and none are configured.");
            if (challenge.IsBearer)
            {
                var token = await FetchTokenAsync(challenge, scope, ct);
                if (!token.Succeeded)
                    return token.Problem!;
            }
            else
                _basicWanted = true;

            response = await SendAuthorizedAsync(request(), challenge.Scope ?? scope, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                return RefusedCredentials();
            }
            return Refused(response) ?? Result<HttpResponseMessage>.Ok(response);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return Problem.Unavailable($"The registry at {Host} could not be reached: {e.Message}");
        }
    }

    private Task<HttpResponseMessage> SendAuthorizedAsync(
        HttpRequestMessage request,
        string? scope,
        CancellationToken ct
    )
    {
        if (_tokens.TryGetValue(scope ?? "", out var token) && token.Until > _clock.GetUtcNow())
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        else if (_basicWanted && _endpoint.HasCredentials)
            request.Headers.Authorization = BasicCredentials();
        return SendDisposingAsync(request, ct);
    }

    private async Task<HttpResponseMessage> SendDisposingAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using (request)
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private async Task<Result> FetchTokenAsync(RegistryChallenge challenge, string? scope, CancellationToken ct)
    {
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm))
            return Problem.Forbidden($"The registry at {Host} asks for a token from '{challenge.Realm}', not a URL.");
        var query = new List<string>();
        if (challenge.Service is { } service)
            query.Add("service=" + Uri.EscapeDataString(service));
        var wanted = challenge.Scope ?? scope;
        if (wanted is not null)
            query.AddRange(wanted.Split(' ').Select(s => "scope=" + Uri.EscapeDataString(s)));
        var url = new UriBuilder(realm)
        {
            Query = string.Join('&', new[] { realm.Query.TrimStart('?') }.Where(q => q.Length > 0).Concat(query)),
        }.Uri;

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (_endpoint.HasCredentials)
            request.Headers.Authorization = BasicCredentials();
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            return RefusedCredentials();
        if (!response.IsSuccessStatusCode)
            return Problem.Unavailable(
                $"The token service of the registry at {Host} answered "
                    + $"{(int)response.StatusCode} {response.ReasonPhrase}."
            );
        using var body = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(ct), default, ct);
        var root = body.RootElement;
        var token = (root.TryGetProperty("token", out var t) ? t.GetString() : null)
            ?? (root.TryGetProperty("access_token", out var a) ? a.GetString() : null);
        if (string.IsNullOrEmpty(token))
            return Problem.Unavailable($"The token service of the registry at {Host} gave no token.");
        var life =
            root.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : DefaultTokenLife;
        // A little early, so that a token does not expire between being chosen and being checked.
        var until = _clock.GetUtcNow() + life - TimeSpan.FromSeconds(Math.Min(10, life.TotalSeconds / 4));
        _tokens[wanted ?? ""] = (token, until);
        if (scope is not null && scope != wanted)
            _tokens[scope] = (token, until);
        return Result.Ok();
    }

    private AuthenticationHeaderValue BasicCredentials() =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_endpoint.User}:{_endpoint.Password}")));

    private Problem RefusedCredentials() =>
        Problem.Forbidden(
            _endpoint.HasCredentials
                ? $"The registry at {Host} refused the credentials of user '{_endpoint.User}'."
                : $"The registry at {Host} asks for credentials and none are configured."
        );

    private Problem? Refused(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.Forbidden)
            return null;
        response.Dispose();
        return Problem.Forbidden($"The registry at {Host} refused access to this repository.");
    }

    private Problem Unexpected(HttpResponseMessage response, string what) =>
        (int)response.StatusCode >= 500
            ? Problem.Unavailable(
                $"The registry at {Host} could not {what}: {(int)response.StatusCode} {response.ReasonPhrase}."
            )
            : Problem.Conflict(
                $"The registry at {Host} would not {what}: {(int)response.StatusCode} {response.ReasonPhrase}."
            );

    private static string Pull(ImageRepository repository) => $"repository:{repository}:pull";

    private static long ImageSize(JsonElement manifest)
    {
        var size = manifest.TryGetProperty("config", out var config) ? BlobSize(config) : 0;
        if (manifest.TryGetProperty("layers", out var layers) && layers.ValueKind == JsonValueKind.Array)
            size += layers.EnumerateArray().Sum(BlobSize);
        return size;
    }

    private static long BlobSize(JsonElement descriptor) =>
        descriptor.TryGetProperty("size", out var size) && size.TryGetInt64(out var bytes) ? bytes : 0;

    private static string? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
            return null;
        foreach (var link in links)
        {
            var match = NextLink().Match(link);
            if (match.Success)
                return match.Groups["url"].Value;
        }
        return null;
    }

    private static SocketsHttpHandler CreateHandler(RegistryEndpoint endpoint)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (!endpoint.VerifyTls)
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        return handler;
    }

    [GeneratedRegex("""<(?<url>[^>]+)>\s*;\s*rel="?next"?""", RegexOptions.IgnoreCase)]
    private static partial Regex NextLink();

    [GeneratedRegex("\\A(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})\\z")]
    private static partial Regex Digest();
}
