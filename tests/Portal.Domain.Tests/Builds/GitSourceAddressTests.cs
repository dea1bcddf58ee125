using Portal.Domain.Builds;

namespace Portal.Domain.Tests.Builds;

public sealed class GitRepositoryUrlTests
{
    [Theory]
    [InlineData("https://github.com/acme/shop.git", GitTransport.Https, "github.com", null)]
    [InlineData("https://git.example.com:8443/team/shop", GitTransport.Https, "git.example.com", 8443)]
    [InlineData("ssh://git@gitlab.example.com:2222/team/shop.git", GitTransport.Ssh, "gitlab.example.com", 2222)]
    [InlineData("git@github.com:acme/shop.git", GitTransport.Ssh, "github.com", null)]
    public void Https_and_ssh_addresses_are_read_with_their_host(
        string url,
        GitTransport transport,
        string host,
        int? port
    )
    {
        var parsed = GitRepositoryUrl.Parse($"  {url} ").Value;

        Assert.Equal(url, parsed.Value);
        Assert.Equal(transport, parsed.Transport);
        Assert.Equal(host, parsed.Host);
        Assert.Equal(port, parsed.Port);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("http://github.com/acme/shop.git", "https://")]
    [InlineData("file:///srv/repos/shop.git", "scheme 'file' is not supported")]
    [InlineData("ftp://example.com/shop.git", "scheme 'ftp' is not supported")]
    [InlineData("ext::sh -c touch% /tmp/x", "no spaces")]
    [InlineData("github.com/acme/shop", "https://host/owner/repo.git")]
    [InlineData("https://user:hunter2@github.com/acme/shop.git", "holds a password")]
    [InlineData("https://user@github.com/acme/shop.git", "holds a user name")]
    [InlineData("https://github.com", "no repository")]
    [InlineData("https://github.com/acme/../shop.git", "'..'")]
    [InlineData("https://github.com/acme/shop.git?ref=main", "no query")]
    [InlineData("-uhttps://github.com/acme/shop.git", "cannot start with '-'")]
    [InlineData("git@github.com:", "https://host/owner/repo.git")]
    public void A_malformed_or_unsafe_url_is_refused_at_its_field(string url, string reason)
    {
        var result = GitRepositoryUrl.Parse(url);

        Assert.False(result.Succeeded);
        Assert.Equal("RepositoryUrl", result.Problem!.Field);
        Assert.Contains(reason, result.Problem.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_refused_url_never_repeats_a_password_it_held()
    {
        var result = GitRepositoryUrl.Parse("https://deploy:s3cret-token@github.com/acme/shop.git");

        Assert.DoesNotContain("s3cret-token", result.Problem!.Message, StringComparison.Ordinal);
    }
}

public sealed class GitRefNameTests
{
    [Theory]
    [InlineData("main")]
    [InlineData("release/1.2")]
    [InlineData("v1.0.0")]
    [InlineData("feature/JIRA-12_fix")]
    public void A_name_git_accepts_is_a_ref(string name) => Assert.Equal(name, GitRefName.Parse(name).Value.Value);

    [Theory]
    [InlineData("", "required")]
    [InlineData("feature..x", "'..'")]
    [InlineData("with space", "' '")]
    [InlineData("a~1", "'~'")]
    [InlineData("head^", "'^'")]
    [InlineData("a:b", "':'")]
    [InlineData("a?b", "'?'")]
    [InlineData("a*b", "'*'")]
    [InlineData("a[b", "'['")]
    [InlineData("a\\b", "'\\'")]
    [InlineData("-main", "starts with '-'")]
    [InlineData("@", "reserves")]
    [InlineData("a@{1}", "'@{'")]
    [InlineData("/main", "empty part")]
    [InlineData("main/", "empty part")]
    [InlineData("a//b", "empty part")]
    [InlineData("main.", "ends with '.'")]
    [InlineData("a/.hidden", "starting with '.'")]
    [InlineData("main.lock", "'.lock'")]
    [InlineData("refs/heads/main", "full ref name")]
    [InlineData("a\u0001b", "control character")]
    public void A_name_git_would_refuse_is_refused_with_the_reason(string name, string reason)
    {
        var result = GitRefName.Parse(name);

        Assert.False(result.Succeeded);
        Assert.Equal("Ref", result.Problem!.Field);
        Assert.Contains(reason, result.Problem.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_name_longer_than_the_limit_is_refused() =>
        Assert.Contains("longer than", GitRefName.Parse(new string('a', 201)).Problem!.Message);
}

public sealed class SourceSubDirectoryTests
{
    [Theory]
    [InlineData(null, "")]
    [InlineData("", "")]
    [InlineData(".", "")]
    [InlineData("services/api", "services/api")]
    [InlineData("./services//api/", "services/api")]
    public void A_relative_folder_is_kept_in_one_spelling(string? path, string expected) =>
        Assert.Equal(expected, SourceSubDirectory.Parse(path).Value.Value);

    [Theory]
    [InlineData("../other", "'..'")]
    [InlineData("services/../../etc", "'..'")]
    [InlineData("/etc", "absolute")]
    [InlineData("~/code", "absolute")]
    [InlineData("C:/code", "absolute")]
    [InlineData("services\\api", "'/'")]
    public void A_folder_outside_the_source_is_refused(string path, string reason)
    {
        var result = SourceSubDirectory.Parse(path);

        Assert.False(result.Succeeded);
        Assert.Equal("SubDirectory", result.Problem!.Field);
        Assert.Contains(reason, result.Problem.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_folder_longer_than_the_limit_is_refused() =>
        Assert.Contains("at most 255", SourceSubDirectory.Parse(new string('a', 256)).Problem!.Message);
}

public sealed class GitSourceAddressTests
{
    [Fact]
    public void Every_wrong_field_is_named_at_once()
    {
        var result = GitSourceAddress.Parse("ftp://x/y", "a..b", "../up");

        Assert.Equal(["RepositoryUrl", "Ref", "SubDirectory"], result.Problem!.Causes.Select(c => c.Field ?? ""));
    }

    [Fact]
    public void Its_summary_names_url_ref_and_folder()
    {
        var address = GitSourceAddress.Parse("git@github.com:acme/shop.git", "main", "api").Value;

        Assert.Equal("git@github.com:acme/shop.git @ main in api", address.Summary);
    }
}
