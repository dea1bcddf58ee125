using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Domain.Tests.Builds;

public sealed class ImageNamingTests
{
    [Fact]
    public void A_tenants_app_has_the_repository_tenant_slash_app()
    {
        Assert.Equal("acme/orders-api", ImageRepository.For("acme", "orders-api").Value.Value);
    }

    [Theory]
    [InlineData("Acme/shop")]
    [InlineData("acme/-shop")]
    [InlineData("acme//shop")]
    [InlineData("../shop")]
    [InlineData("")]
    public void A_repository_name_outside_the_distribution_grammar_is_refused(string name)
    {
        Assert.Equal(ProblemKind.Invalid, ImageRepository.Parse(name).Problem?.Kind);
    }

    [Fact]
    public void A_commit_tag_is_the_first_twelve_lowercase_hex_digits()
    {
        Assert.Equal("0123456789ab", ImageTags.ForCommit("0123456789ABCDEF0123456789abcdef01234567").Value);
        Assert.Equal("abc1234", ImageTags.ForCommit("abc1234").Value);
        Assert.Equal(ProblemKind.Invalid, ImageTags.ForCommit("main").Problem?.Kind);
    }

    [Theory]
    [InlineData("main", "main")]
    [InlineData("feature/Login-Page", "feature-login-page")]
    [InlineData("-hotfix", "hotfix")]
    [InlineData("release/1.2", "release-1.2")]
    [InlineData("über", "ber")]
    public void A_branch_becomes_a_valid_tag(string branch, string tag)
    {
        var made = ImageTags.ForBranch(branch);

        Assert.Equal(tag, made.Value);
        Assert.True(ImageTags.IsValid(made.Value));
    }

    [Fact]
    public void A_branch_tag_is_cut_to_128_characters_and_one_without_letters_is_refused()
    {
        Assert.Equal(128, ImageTags.ForBranch(new string('a', 300)).Value.Length);
        Assert.Equal(ProblemKind.Invalid, ImageTags.ForBranch("///").Problem?.Kind);
    }
}
