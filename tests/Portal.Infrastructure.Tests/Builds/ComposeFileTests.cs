using YamlDotNet.RepresentationModel;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>The repository's docker-compose.yml: valid YAML, with the builds' registry wired to the portal.</summary>
public sealed class ComposeFileTests
{
    private static YamlMappingNode Services()
    {
        var file = Path.Combine(Path.GetDirectoryName(Recipes.CatalogDirectory())!, "docker-compose.yml");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file))
            yaml.Load(reader);
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    private static string Value(YamlNode node, params string[] path)
    {
        foreach (var key in path)
            node = ((YamlMappingNode)node)[key];
        return ((YamlScalarNode)node).Value!;
    }

    [Fact]
    public void The_registry_service_is_distribution_with_htpasswd_sign_in_and_a_volume()
    {
        var registry = Services()["registry"];

        Assert.Equal("registry:2", Value(registry, "image"));
        Assert.Equal("htpasswd", Value(registry, "environment", "REGISTRY_AUTH"));
        Assert.Equal("/auth/htpasswd", Value(registry, "environment", "REGISTRY_AUTH_HTPASSWD_PATH"));
        var volumes = ((YamlSequenceNode)((YamlMappingNode)registry)["volumes"]).Select(v => v.ToString()).ToList();
        Assert.Contains("registry-data:/var/lib/registry", volumes);
        Assert.Contains("registry-auth:/auth:ro", volumes);
        var auth = string.Join(' ', (YamlSequenceNode)((YamlMappingNode)Services()["registry-auth"])["command"]);
        Assert.Contains("htpasswd -Bbn portal ", auth, StringComparison.Ordinal);
        Assert.Contains("htpasswd -Bbn portal-pull ", auth, StringComparison.Ordinal);
    }

    [Fact]
    public void The_portal_builds_with_kubernetes_jobs_and_pushes_to_the_registry_service()
    {
        var portal = Services()["portal"];

        Assert.Equal("KubernetesJob", Value(portal, "environment", "Portal__Builds__Builder"));
        Assert.Equal("false", Value(portal, "environment", "Portal__Builds__Registry__Embedded"));
        Assert.Equal(
            "${REGISTRY_URL:-http://registry:5000}",
            Value(portal, "environment", "Portal__Builds__Registry__Url")
        );
        Assert.Equal("portal-pull", Value(portal, "environment", "Portal__Builds__Registry__PullUser"));
    }
}
