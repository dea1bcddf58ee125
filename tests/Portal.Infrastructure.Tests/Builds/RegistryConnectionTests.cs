using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class RegistryConnectionTests
{
    private readonly RegistryPasswordSeal _seal = new(new EphemeralDataProtectionProvider());

    [Fact]
    public async Task The_shared_registry_client_outlives_the_request_scopes_that_used_it()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                new Dictionary<string, string?>
                {
                    ["Portal:Builds:Registry:Embedded"] = "false",
                    ["Portal:Builds:Registry:Url"] = "http://127.0.0.1:1",
                }
            )
            .Build();
        await using var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection()
            .AddDataProtection()
            .Services.AddPortalBuilds(configuration, Path.GetTempPath())
            .BuildServiceProvider();

        await using (var first = services.CreateAsyncScope())
            await first.ServiceProvider.GetRequiredService<IImageRegistry>().PingAsync(default);
        await using var second = services.CreateAsyncScope();
        var ping = await second.ServiceProvider.GetRequiredService<IImageRegistry>().PingAsync(default);

        Assert.Equal(ProblemKind.Unavailable, ping.Problem?.Kind);
        Assert.Contains("could not be reached", ping.Problem!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configured_registry_signs_in_with_its_sealed_password_opened()
    {
        var connection = Connection(
            new RegistryOptions
            {
                Embedded = false,
                Url = "https://harbor.example.com",
                User = "robot$portal",
                SealedPassword = _seal.Seal("s3cret"),
            }
        );

        var endpoint = connection.Endpoint().Value;

        Assert.Equal("harbor.example.com", endpoint.Host);
        Assert.Equal("robot$portal", endpoint.User);
        Assert.Equal("s3cret", endpoint.Password);
        Assert.Equal("harbor.example.com", connection.Registry().Host);
    }

    [Fact]
    public void A_sealed_password_from_another_key_ring_says_so_instead_of_throwing()
    {
        var other = new RegistryPasswordSeal(new EphemeralDataProtectionProvider()).Seal("s3cret");
        var connection = Connection(
            new RegistryOptions
            {
                Embedded = false,
                Url = "https://harbor.example.com",
                SealedPassword = other,
            }
        );

        var endpoint = connection.Endpoint();

        Assert.Equal(ProblemKind.Unavailable, endpoint.Problem?.Kind);
        Assert.StartsWith(
            "Portal:Builds:Registry:SealedPassword cannot be opened with this portal's key ring",
            endpoint.Problem!.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public async Task Without_a_registry_every_call_says_how_to_configure_one()
    {
        var connection = Connection(new RegistryOptions { Embedded = false });

        var ping = await connection.Registry().PingAsync(default);

        Assert.Equal(ProblemKind.Unavailable, ping.Problem?.Kind);
        Assert.Equal(
            "No image registry is configured: set Portal:Builds:Registry:Url, or Embedded to true.",
            ping.Problem!.Message
        );
    }

    [Fact]
    public async Task The_embedded_registry_is_unavailable_until_it_has_started_and_after_it_stopped()
    {
        var connection = Connection(new RegistryOptions());
        var before = await connection.Registry().PingAsync(default);
        connection.UseEmbedded(new RegistryEndpoint(new Uri("http://127.0.0.1:5999/"), "portal", "p"));
        var started = connection.Endpoint();
        connection.EmbeddedUnavailable("stopped");

        Assert.Equal("The embedded registry has not started yet.", before.Problem?.Message);
        Assert.Equal("127.0.0.1:5999", started.Value.Host);
        Assert.Equal("stopped", connection.Endpoint().Problem?.Message);
    }

    [Theory]
    [InlineData("https://harbor.example.com/v2/", "without a path")]
    [InlineData("ftp://harbor.example.com", "http(s) base address")]
    [InlineData("harbor.example.com", "http(s) base address")]
    public void A_registry_url_that_is_not_a_base_address_is_refused_at_start(string url, string message)
    {
        var invalid = new RegistryOptions { Embedded = false, Url = url }.Invalid();

        Assert.Contains(message, invalid, StringComparison.Ordinal);
    }

    [Fact]
    public void Clusters_pull_with_the_configured_pull_user_else_with_the_registrys_own_user()
    {
        var withPullUser = Connection(
            new RegistryOptions
            {
                Embedded = false,
                Url = "https://harbor.example.com",
                User = "robot$push",
                Password = "push",
                PullUser = "robot$pull",
                PullPassword = "pull",
            }
        );
        var withoutPullUser = Connection(
            new RegistryOptions
            {
                Embedded = false,
                Url = "https://harbor.example.com:8443",
                User = "robot$push",
                Password = "push",
            }
        );

        Assert.Equal(new RegistryPullAccess("harbor.example.com", "robot$pull", "pull"), withPullUser.PullAccess());
        Assert.Equal(
            new RegistryPullAccess("harbor.example.com:8443", "robot$push", "push"),
            withoutPullUser.PullAccess()
        );
    }

    [Fact]
    public void There_is_no_pull_credential_without_a_registry_or_for_one_that_takes_none()
    {
        var none = Connection(new RegistryOptions { Embedded = false });
        var anonymous = Connection(new RegistryOptions { Embedded = false, Url = "http://10.0.0.5:5000" });
        var embedded = Connection(new RegistryOptions());
        var notStarted = embedded.PullAccess();
        embedded.UseEmbedded(
            new RegistryEndpoint(new Uri("http://127.0.0.1:5999/"), "portal", "push"),
            new RegistryPullAccess("127.0.0.1:5999", "portal-pull", "pull")
        );
        var started = embedded.PullAccess();
        embedded.EmbeddedUnavailable("stopped");

        Assert.Null(none.PullAccess());
        Assert.Null(anonymous.PullAccess());
        Assert.Null(notStarted);
        Assert.Equal("portal-pull", started?.User);
        Assert.Null(embedded.PullAccess());
    }

    [Theory]
    [InlineData("harbor.example.com/shop/web@sha256:0", true)]
    [InlineData("HARBOR.example.com/shop/web:1", true)]
    [InlineData("harbor.example.com:8443/shop/web:1", false)]
    [InlineData("nginx:1.27", false)]
    [InlineData("library/nginx:1.27", false)]
    [InlineData("other.example.com/harbor.example.com/web:1", false)]
    public void Only_images_of_the_portals_registry_need_its_pull_secret(string image, bool held)
    {
        var access = new RegistryPullAccess("harbor.example.com", "robot$pull", "pull");

        Assert.Equal(held, access.Holds(image));
        Assert.Equal(held ? RegistryPullSecret.Name : null, RegistryPullSecret.For(access, image));
        Assert.Null(RegistryPullSecret.For(null, image));
    }

    [Fact]
    public void The_pull_secret_holds_a_docker_config_for_the_registry_host_and_never_prints_the_password()
    {
        var access = new RegistryPullAccess("127.0.0.1:5999", "portal-pull", "s3cret");
        var labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "portal" };

        var secret = RegistryPullSecret.Render(access, labels);

        Assert.Equal(("portal-registry-pull", "kubernetes.io/dockerconfigjson"), (secret.Metadata.Name, secret.Type));
        Assert.Equal(labels, secret.Metadata.Labels);
        Assert.Equal(
            """{"auths":{"127.0.0.1:5999":"""
                + """{"username":"portal-pull","password":"s3cret","auth":"cG9ydGFsLXB1bGw6czNjcmV0"}}}""",
            System.Text.Encoding.UTF8.GetString(secret.Data[".dockerconfigjson"])
        );
        Assert.DoesNotContain("s3cret", access.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_pull_password_without_a_pull_user_is_refused_at_start()
    {
        var invalid = new RegistryOptions
        {
            Embedded = false,
            Url = "https://harbor.example.com",
            PullPassword = "pull",
        }.Invalid();

        Assert.Equal("Portal:Builds:Registry: PullPassword goes with a PullUser.", invalid);
    }

    private RegistryConnection Connection(RegistryOptions options) => new(Options.Create(options), _seal);
}
