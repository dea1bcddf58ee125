using Portal.Infrastructure.Tests.Builds;
using YamlDotNet.RepresentationModel;

namespace Portal.Infrastructure.Tests.Replicas;

/// <summary>
/// The repository's docker-compose.yml runs two portal replicas behind nginx: one database, one Redis, one key ring.
/// </summary>
public sealed class ComposeReplicasTests
{
    private static string Root() => Path.GetDirectoryName(Recipes.CatalogDirectory())!;

    private static YamlMappingNode Compose()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root(), "docker-compose.yml")))
            yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static YamlMappingNode Service(string name) =>
        (YamlMappingNode)((YamlMappingNode)Compose()["services"])[name];

    private static string Value(YamlNode node, params string[] path)
    {
        foreach (var key in path)
            node = ((YamlMappingNode)node)[key];
        return ((YamlScalarNode)node).Value!;
    }

    private static List<string> Items(YamlMappingNode service, string key) =>
        [.. ((YamlSequenceNode)service[key]).Select(item => item.ToString())];

    [Fact]
    public void Two_portal_replicas_share_the_database_the_redis_backplane_and_the_key_ring()
    {
        var portal = Service("portal");

        Assert.Equal("2", Value(portal, "deploy", "replicas"));
        Assert.False(portal.Children.ContainsKey("ports"), "Replicas publish no port: the proxy is the way in.");
        Assert.Equal("Postgres", Value(portal, "environment", "Portal__Database__Provider"));
        Assert.Equal("redis:6379", Value(portal, "environment", "Portal__Redis__Configuration"));
        Assert.False(string.IsNullOrWhiteSpace(Value(portal, "environment", "Portal__Redis__ChannelPrefix")));
        Assert.Contains("key-ring:/app/key-ring:ro", Items(portal, "volumes"));
        Assert.Equal("redis:7-alpine", Value(Service("redis"), "image"));
    }

    [Fact]
    public void The_proxy_is_nginx_with_the_repository_config_and_the_replicas_trust_its_address()
    {
        var proxy = Service("proxy");
        var address = Value(proxy, "networks", "default", "ipv4_address");

        Assert.StartsWith("nginx:", Value(proxy, "image"), StringComparison.Ordinal);
        Assert.Contains("8080:8080", Items(proxy, "ports"));
        Assert.Contains("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro", Items(proxy, "volumes"));
        Assert.Equal(address, Value(Service("portal"), "environment", "Portal__Network__TrustedProxies__0"));
        // Inside the network, outside the range handed out to the other services: no container can take it first.
        var network = (YamlMappingNode)
            ((YamlSequenceNode)((YamlMappingNode)Compose()["networks"]["default"])["ipam"]["config"])[0];
        var ip = System.Net.IPAddress.Parse(address);
        Assert.True(System.Net.IPNetwork.Parse(Value(network, "subnet")).Contains(ip));
        Assert.False(System.Net.IPNetwork.Parse(Value(network, "ip_range")).Contains(ip));
    }

    [Fact]
    public void The_nginx_config_upgrades_websockets_and_keeps_a_client_on_one_replica()
    {
        var config = File.ReadAllText(Path.Combine(Root(), "deploy", "nginx.conf"));

        Assert.Contains("server portal:8080;", config, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Upgrade $http_upgrade;", config, StringComparison.Ordinal);
        Assert.Contains("proxy_set_header Connection $connection_upgrade;", config, StringComparison.Ordinal);
        Assert.Contains("hash $portal_affinity consistent;", config, StringComparison.Ordinal);
        Assert.Contains(
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            config,
            StringComparison.Ordinal
        );
        Assert.Equal(config.Count(c => c == '{'), config.Count(c => c == '}'));
    }
}
