using System.Net;
using System.Text;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// The parts of the distribution API Debian's registry does not exercise: the Bearer token challenge (Harbor, cloud
/// registries) and tag lists in pages. A stand-in answers as the spec's examples do.
/// </summary>
public sealed class RegistryProtocolTests
{
    private static readonly ImageRepository Shop = ImageRepository.For("acme", "shop").Value;

    [Fact]
    public async Task A_bearer_challenge_is_answered_with_a_token_for_its_scope_fetched_with_the_credentials()
    {
        var registry = new TokenRegistry();
        using var client = new OciRegistryClient(Endpoint("robot", "s3cret"), registry);

        var first = await client.ListTagsAsync(Shop, default);
        var second = await client.ListTagsAsync(Shop, default);

        Assert.Equal(["v1"], first.Value);
        Assert.Equal(["v1"], second.Value);
        var tokenRequest = Assert.Single(registry.TokenRequests);
        Assert.Equal("service=registry.example.com&scope=repository%3Aacme%2Fshop%3Apull", tokenRequest.Query);
        Assert.Equal(
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("robot:s3cret")),
            tokenRequest.Authorization
        );
    }

    [Fact]
    public async Task A_token_service_that_refuses_the_credentials_is_a_refusal_not_a_failure()
    {
        using var client = new OciRegistryClient(Endpoint("robot", "wrong"), new TokenRegistry());

        var tags = await client.ListTagsAsync(Shop, default);

        Assert.Equal(ProblemKind.Forbidden, tags.Problem?.Kind);
        Assert.Equal(
            "The registry at registry.example.com refused the credentials of user 'robot'.",
            tags.Problem!.Message
        );
    }

    [Fact]
    public async Task Tags_are_read_page_after_page_following_the_link_header()
    {
        var registry = new PagingRegistry(["c", "a", "e", "b", "d"], pageSize: 2);
        using var client = new OciRegistryClient(Endpoint("robot", "s3cret"), registry, pageSize: 2);

        var tags = await client.ListTagsAsync(Shop, default);

        Assert.Equal(["a", "b", "c", "d", "e"], tags.Value);
        Assert.Equal(3, registry.Pages);
    }

    [Fact]
    public async Task An_images_facts_are_read_from_the_config_blob_its_manifest_names()
    {
        var registry = new ConfigRegistry();
        using var client = new OciRegistryClient(Endpoint("robot", "s3cret"), registry);

        var facts = await client.GetImageFactsAsync(Shop, "v1", default);

        Assert.True(facts.Succeeded, facts.Problem?.Message);
        Assert.Equal(["8080/tcp"], facts.Value.ExposedPorts);
        Assert.Equal("10001:10001", facts.Value.User);
        Assert.Equal(["/app/shop"], facts.Value.Entrypoint);
        Assert.Equal(["--serve"], facts.Value.Command);
        Assert.Equal("/app", facts.Value.WorkingDirectory);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 21, 0, 0, TimeSpan.Zero), facts.Value.Created);
        Assert.Equal(
            ["/v2/acme/shop/manifests/v1", $"/v2/acme/shop/blobs/{ConfigRegistry.ConfigDigest}"],
            registry.Paths
        );
    }

    [Fact]
    public async Task An_image_index_has_no_facts_of_its_own_and_an_unknown_tag_is_not_found()
    {
        var registry = new ConfigRegistry();
        using var client = new OciRegistryClient(Endpoint("robot", "s3cret"), registry);

        var index = await client.GetImageFactsAsync(Shop, "multi", default);
        var missing = await client.GetImageFactsAsync(Shop, "v9", default);

        Assert.Equal(ProblemKind.Conflict, index.Problem?.Kind);
        Assert.Contains("image index", index.Problem!.Message, StringComparison.Ordinal);
        Assert.Equal(ProblemKind.NotFound, missing.Problem?.Kind);
    }

    [Fact]
    public void A_challenge_with_quoted_commas_keeps_its_scope_whole()
    {
        var challenge = RegistryChallenge.Parse(
            "Bearer",
            "realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
                + "scope=\"repository:a/b:pull,push\""
        );

        Assert.True(challenge.IsBearer);
        Assert.Equal("https://auth.example.com/token", challenge.Realm);
        Assert.Equal("registry.example.com", challenge.Service);
        Assert.Equal("repository:a/b:pull,push", challenge.Scope);
    }

    [Fact]
    public void An_endpoints_text_names_the_user_and_never_the_password()
    {
        var endpoint = Endpoint("robot", "s3cret");

        Assert.Equal("https://registry.example.com/ as robot", endpoint.ToString());
        Assert.DoesNotContain("s3cret", endpoint.ToString(), StringComparison.Ordinal);
    }

    private static RegistryEndpoint Endpoint(string user, string password) =>
        new(new Uri("https://registry.example.com/"), user, password);

    /// <summary>A registry behind a token service, as in the distribution token-authentication spec.</summary>
    private sealed class TokenRegistry : HttpMessageHandler
    {
        private const string Token = "token-for-acme-shop";

        public List<(string Query, string? Authorization)> TokenRequests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var url = request.RequestUri!;
            if (url.Host == "auth.example.com")
            {
                TokenRequests.Add((url.Query.TrimStart('?'), request.Headers.Authorization?.ToString()));
                var granted =
                    request.Headers.Authorization?.Parameter
                    == Convert.ToBase64String(Encoding.UTF8.GetBytes("robot:s3cret"));
                return Task.FromResult(
                    granted
                        ? Json($$"""{"token":"{{Token}}","expires_in":300}""")
                        : new HttpResponseMessage(HttpStatusCode.Unauthorized)
                );
            }
            if (request.Headers.Authorization?.ToString() != $"Bearer {Token}")
            {
                var challenge = new HttpResponseMessage(HttpStatusCode.Unauthorized);
                challenge.Headers.TryAddWithoutValidation(
                    "WWW-Authenticate",
                    """Bearer realm="https://auth.example.com/token",service="registry.example.com","""
                        + """scope="repository:acme/shop:pull" """
                );
                return Task.FromResult(challenge);
            }
            return Task.FromResult(Json("""{"name":"acme/shop","tags":["v1"]}"""));
        }
    }

    /// <summary>A registry that answers tag lists in pages of a fixed size, with a Link to the next.</summary>
    private sealed class PagingRegistry(IReadOnlyList<string> tags, int pageSize) : HttpMessageHandler
    {
        public int Pages { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Pages++;
            var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query);
            var sorted = tags.Order(StringComparer.Ordinal).ToList();
            var after = query["last"] is { } last ? sorted.IndexOf(last) + 1 : 0;
            var page = sorted.Skip(after).Take(pageSize).ToList();
            var response = Json(
                $$"""{"name":"acme/shop","tags":[{{string.Join(',', page.Select(t => $"\"{t}\""))}}]}"""
            );
            if (after + pageSize < sorted.Count)
                response.Headers.TryAddWithoutValidation(
                    "Link",
                    $"</v2/acme/shop/tags/list?n={pageSize}&last={page[^1]}>; rel=\"next\""
                );
            return Task.FromResult(response);
        }
    }

    /// <summary>
    /// A registry holding one image (manifest and config blob, as the OCI spec's example) and an index.
    /// </summary>
    private sealed class ConfigRegistry : HttpMessageHandler
    {
        public const string ConfigDigest = "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7";

        public List<string> Paths { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var path = request.RequestUri!.AbsolutePath;
            Paths.Add(path);
            return Task.FromResult(
                path switch
                {
                    "/v2/acme/shop/manifests/v1" => Json(
                        $$"""
                        {"schemaVersion":2,"mediaType":"{{OciRegistryClient.OciManifest}}",
                         "config":{"mediaType":"application/vnd.oci.image.config.v1+json",
                                   "digest":"{{ConfigDigest}}","size":7023},
                         "layers":[]}
                        """
                    ),
                    "/v2/acme/shop/manifests/multi" => Json(
                        $$"""{"schemaVersion":2,"mediaType":"{{OciRegistryClient.OciIndex}}","manifests":[]}"""
                    ),
                    $"/v2/acme/shop/blobs/{ConfigDigest}" => Json(
                        """
                        {"created":"2026-12-06T21:00:00Z","architecture":"amd64","os":"linux",
                         "config":{"User":"10001:10001","ExposedPorts":{"8080/tcp":{}},
                                   "Entrypoint":["/app/shop"],"Cmd":["--serve"],"WorkingDir":"/app"},
                         "rootfs":{"type":"layers","diff_ids":[]}}
                        """
                    ),
                    _ => new HttpResponseMessage(HttpStatusCode.NotFound),
                }
            );
        }
    }

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
}
