using System.Reflection;
using Portal.Domain.Builds;

namespace Portal.Domain.Tests.Builds;

public sealed class AppSourceTests
{
    private static readonly DateTime Now = new(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);

    private static GitSourceAddress Address(string url, string refName = "main") =>
        GitSourceAddress.Parse(url, refName, null).Value;

    private static AppSource Connected(string url, GitCredentialKind kind = GitCredentialKind.Token) =>
        AppSource.Connect(
            Guid.NewGuid(),
            Guid.NewGuid(),
            Address(url),
            kind,
            kind == GitCredentialKind.None ? "" : "sealed-credential",
            new string('a', 40),
            "",
            Now
        );

    [Fact]
    public void No_readable_member_of_a_source_gives_its_sealed_credential()
    {
        var source = Connected("https://github.com/acme/shop.git");

        var readable = typeof(AppSource)
            .GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetValue(source)?.ToString() ?? "");

        Assert.DoesNotContain(readable, value => value.Contains("sealed-credential", StringComparison.Ordinal));
        Assert.True(source.HasCredential);
        Assert.Equal(GitCredentialKind.Token, source.CredentialKind);
    }

    [Theory]
    [InlineData("https://github.com/acme/other.git", true)]
    [InlineData("https://GitHub.com/acme/shop.git", true)]
    [InlineData("https://evil.example.com/acme/shop.git", false)]
    [InlineData("https://github.com:8443/acme/shop.git", false)]
    [InlineData("git@github.com:acme/shop.git", false)]
    public void A_stored_credential_may_be_reused_only_toward_the_same_host_port_and_transport(
        string url,
        bool reusable
    ) => Assert.Equal(reusable, Connected("https://github.com/acme/shop.git").MayReuseCredentialFor(Address(url)));

    [Fact]
    public void A_source_without_a_credential_has_none_to_reuse() =>
        Assert.False(
            Connected("https://github.com/acme/shop.git", GitCredentialKind.None)
                .MayReuseCredentialFor(Address("https://github.com/acme/shop.git"))
        );

    [Fact]
    public void A_credential_kind_without_a_sealed_credential_is_a_mistake_of_the_caller() =>
        Assert.Throws<ArgumentException>(() =>
            Connected("https://github.com/acme/shop.git")
                .Replace(Address("https://github.com/acme/shop.git"), GitCredentialKind.Token, "", "c", "", Now)
        );

    [Fact]
    public void Replacing_points_the_source_elsewhere()
    {
        var source = Connected("https://github.com/acme/shop.git");

        source.Replace(
            GitSourceAddress.Parse("git@gitlab.com:acme/shop.git", "v2", "api").Value,
            GitCredentialKind.SshKey,
            "sealed-key",
            new string('b', 40),
            "gitlab.com ssh-ed25519 AAAA",
            Now.AddHours(1)
        );

        Assert.Equal(
            ("git@gitlab.com:acme/shop.git", "v2", "api", GitCredentialKind.SshKey),
            (source.RepositoryUrl, source.Ref, source.SubDirectory, source.CredentialKind)
        );
        Assert.Equal("gitlab.com ssh-ed25519 AAAA", source.KnownHosts);
        Assert.Equal(Now.AddHours(1), source.UpdatedAt);
    }
}
