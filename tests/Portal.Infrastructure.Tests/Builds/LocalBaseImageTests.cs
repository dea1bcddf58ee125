using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class LocalBaseImageTests
{
    [Fact]
    public void Every_base_image_recipes_name_has_a_local_image_on_debian_bookworm()
    {
        var local = Recipes.LocalImages();

        Assert.Equal("bookworm", local.Suite);
        Assert.Equal(
            BaseImageSet.Public.Images.Keys.Order(StringComparer.Ordinal),
            local.Images.Select(i => i.Name).Order(StringComparer.Ordinal)
        );
    }

    [Theory]
    [InlineData("jdk", "17", "openjdk-17-jdk-headless")]
    [InlineData("jre", "17", "openjdk-17-jre-headless")]
    [InlineData("node", "18", "nodejs npm")]
    [InlineData("go", "1.19", "golang-go ca-certificates")]
    [InlineData("python", "3.11", "python3 python3-venv")]
    [InlineData("busybox", "1.35", "busybox-static")]
    public void A_local_image_is_the_debian_runtime_packages_tagged_with_their_version(
        string name,
        string tag,
        string packages
    )
    {
        var image = Recipes.LocalImages().Find(name)!;

        Assert.Equal(tag, image.Tag);
        Assert.Equal(packages.Split(' '), image.Packages);
        Assert.Equal($"127.0.0.1:5000/base/{name}:{tag}", image.Reference("127.0.0.1:5000"));
    }

    [Fact]
    public void Every_base_image_the_shipped_recipes_name_is_in_both_sets()
    {
        var named = Recipes
            .Catalog()
            .Recipes.SelectMany(r => new[] { r.BuildImage, r.RuntimeImage })
            .OfType<Portal.Domain.Builds.RecipeImage>()
            .Select(i => i.Base)
            .ToHashSet();

        Assert.Subset(BaseImageSet.Public.Images.Keys.ToHashSet(), named);
        Assert.Subset(Recipes.LocalSet().Images.Keys.ToHashSet(), named);
    }

    [Theory]
    [InlineData("suite: bookworm\nimages:\n  - { name: node, tag: \"18\", packages: [] }\n", "lists no packages")]
    [InlineData("suite: bookworm\nimages:\n  - { name: Node, tag: \"18\", packages: [nodejs] }\n", "'Node' is not")]
    [InlineData("suite: bookworm\nimages:\n  - { name: node, tag: \"1 8\", packages: [nodejs] }\n", "not an image tag")]
    [InlineData(
        "suite: bookworm\nimages:\n  - { name: node, tag: \"18\", packages: [\"node;rm\"] }\n",
        "a name Debian"
    )]
    [InlineData("suite: bookworm\nimage: []\n", "Property 'image' not found")]
    public void A_broken_local_image_file_is_refused(string yaml, string message)
    {
        var parsed = LocalBaseImages.Parse("bookworm.yaml", yaml);

        Assert.False(parsed.Succeeded);
        Assert.Contains(message, Recipes.Describe(parsed.Problem), StringComparison.Ordinal);
    }
}
