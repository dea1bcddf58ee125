using System.Text;
using k8s.Models;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

public sealed class MiddlewareRenderingTests
{
    private static readonly Dictionary<string, string> Plain = new() { ["password"] = "s3cr3t/pa ss" };

    private static IReadOnlyList<k8s.IKubernetesObject<V1ObjectMeta>> Render(
        string template,
        string version,
        string plan,
        IReadOnlyDictionary<string, string> credentials,
        int? replicas = null
    )
    {
        var input = MiddlewareCatalog.Input(MiddlewareCatalog.Entry(template), version, plan, replicas) with
        {
            Credentials = credentials,
        };
        var rendered = TemplateRenderer.Render(input);
        Assert.True(rendered.Succeeded, MiddlewareCatalogTests.Describe(rendered.Problem));
        return rendered.Value;
    }

    private static IReadOnlyDictionary<string, string> Parameters(string template) =>
        TemplateValidation.SampleParameters(MiddlewareCatalog.Entry(template).Definition).Value;

    [Theory]
    [InlineData("postgresql", "17.5")]
    [InlineData("redis", "8.0.2")]
    [InlineData("elasticsearch", "8.17.1")]
    public void A_password_with_quotes_colons_hashes_and_braces_reaches_the_secret_intact(
        string template,
        string version
    )
    {
        const string password = "p\"'a:ss #w{o}rd}}\\n{%";

        var secret = Render(template, version, "small", new Dictionary<string, string> { ["password"] = password })
            .OfType<V1Secret>()
            .Single();

        Assert.Equal("orders-credentials", secret.Metadata.Name);
        Assert.Equal(password, Encoding.UTF8.GetString(secret.Data["password"]));
        Assert.Null(secret.StringData);
    }

    [Fact]
    public void Values_with_line_breaks_control_characters_and_emoji_survive_the_yaml_string_filter()
    {
        const string value = "line one\nline \"two\"\t\u0001 ✓ 🐘 \\ end";

        var yaml = $"value: {TemplateRenderer.YamlString(value)}";

        Assert.Equal(
            value,
            new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, string>>(yaml)["value"]
        );
    }

    [Fact]
    public void The_postgresql_connection_strings_escape_the_password_where_a_uri_needs_it()
    {
        var definition = MiddlewareCatalog.Entry("postgresql").Definition;
        var endpoint = InstanceEndpoint.Of("shop-dev", "orders", definition);

        var strings = TemplateRenderer
            .RenderConnectionStrings(definition, endpoint, Parameters("postgresql"), Plain)
            .Value;

        Assert.Equal(
            [
                new RenderedConnectionString(
                    "JDBC",
                    "jdbc:postgresql://orders.shop-dev.svc.cluster.local:5432/app?user=app&password=s3cr3t%2Fpa%20ss"
                ),
                new RenderedConnectionString(
                    "psql URI",
                    "postgresql://app:s3cr3t%2Fpa%20ss@orders.shop-dev.svc.cluster.local:5432/app"
                ),
                new RenderedConnectionString(
                    ".NET (Npgsql)",
                    "Host=orders.shop-dev.svc.cluster.local;Port=5432;Database=app;Username=app;Password=s3cr3t/pa ss"
                ),
            ],
            strings
        );
    }

    [Fact]
    public void The_redis_connection_strings_name_the_service_port_and_password()
    {
        var definition = MiddlewareCatalog.Entry("redis").Definition;
        var endpoint = InstanceEndpoint.Of("shop-dev", "cache", definition);

        var strings = TemplateRenderer
            .RenderConnectionStrings(definition, endpoint, Parameters("redis"), Plain)
            .Value.ToDictionary(s => s.Label, s => s.Value);

        Assert.Equal("redis://default:s3cr3t%2Fpa%20ss@cache.shop-dev.svc.cluster.local:6379/0", strings["redis://"]);
        Assert.Equal(
            "cache.shop-dev.svc.cluster.local:6379,password=s3cr3t/pa ss,abortConnect=false",
            strings[".NET (StackExchange.Redis)"]
        );
    }

    [Fact]
    public void The_redis_binding_gives_the_endpoint_as_values_and_the_password_by_reference()
    {
        var definition = MiddlewareCatalog.Entry("redis").Definition;

        var variables = TemplateRenderer
            .RenderBindingVariables(
                definition,
                InstanceEndpoint.Of("shop-dev", "cache", definition),
                Parameters("redis")
            )
            .Value;

        Assert.Equal(
            [
                new RenderedBindingVariable("REDIS_HOST", "cache.shop-dev.svc.cluster.local", null, null),
                new RenderedBindingVariable("REDIS_PORT", "6379", null, null),
                new RenderedBindingVariable("REDIS_PASSWORD", null, "cache-credentials", "password"),
                new RenderedBindingVariable("REDIS_URL", null, "cache-credentials", "url"),
            ],
            variables
        );
    }

    [Fact]
    public void The_postgresql_binding_names_the_database_and_user_and_refers_to_the_password()
    {
        var definition = MiddlewareCatalog.Entry("postgresql").Definition;
        var parameters = new Dictionary<string, string>
        {
            ["database"] = "orders",
            ["username"] = "orders_app",
            ["max_connections"] = "100",
        };

        var variables = TemplateRenderer
            .RenderBindingVariables(definition, InstanceEndpoint.Of("shop-prod", "db", definition), parameters)
            .Value.ToDictionary(v => v.Name);

        Assert.Equal("db.shop-prod.svc.cluster.local", variables["POSTGRES_HOST"].Value);
        Assert.Equal("5432", variables["POSTGRES_PORT"].Value);
        Assert.Equal("orders", variables["POSTGRES_DB"].Value);
        Assert.Equal("orders_app", variables["POSTGRES_USER"].Value);
        Assert.True(variables["POSTGRES_PASSWORD"].FromSecret);
        Assert.Equal(
            ("db-credentials", "password"),
            (variables["POSTGRES_PASSWORD"].SecretName, variables["POSTGRES_PASSWORD"].SecretKey)
        );
        Assert.Null(variables["POSTGRES_PASSWORD"].Value);
    }

    [Fact]
    public void The_secret_holds_what_the_binding_refers_to_with_the_real_endpoint()
    {
        var secret = Render("postgresql", "17.5", "small", Plain).OfType<V1Secret>().Single();

        Assert.Equal(
            "postgresql://app:s3cr3t%2Fpa%20ss@orders.shop-dev.svc.cluster.local:5432/app",
            Encoding.UTF8.GetString(secret.Data["uri"])
        );
    }

    [Fact]
    public void A_binding_value_may_not_copy_a_credential_into_an_application()
    {
        var definition = MiddlewareCatalog.Entry("redis").Definition;
        var leaky = definition with
        {
            BindingVariables =
            [
                .. definition.BindingVariables,
                new BindingVariable("REDIS_PASS", "{{ credentials.password }}", null),
            ],
        };

        var problems = TemplateValidation.Validate("redis", leaky);

        var problem = Assert.Single(problems);
        Assert.Equal("BindingVariables[4].ValueTemplate", problem.Field);
        Assert.Contains("'credentials'", problem.Message);
    }

    [Fact]
    public void A_zookeeper_ensemble_lists_every_member_and_keeps_a_quorum_through_drains()
    {
        var objects = Render("zookeeper", "3.9.3", "large", new Dictionary<string, string>(), replicas: 5);
        var env = objects
            .OfType<V1StatefulSet>()
            .Single()
            .Spec.Template.Spec.Containers[0]
            .Env.ToDictionary(e => e.Name, e => e.Value);

        Assert.Equal(
            "server.1=orders-0.orders-headless.shop-dev.svc.cluster.local:2888:3888;2181 "
                + "server.2=orders-1.orders-headless.shop-dev.svc.cluster.local:2888:3888;2181 "
                + "server.3=orders-2.orders-headless.shop-dev.svc.cluster.local:2888:3888;2181 "
                + "server.4=orders-3.orders-headless.shop-dev.svc.cluster.local:2888:3888;2181 "
                + "server.5=orders-4.orders-headless.shop-dev.svc.cluster.local:2888:3888;2181",
            env["ZOO_SERVERS"]
        );
        Assert.Equal("1", objects.OfType<V1PodDisruptionBudget>().Single().Spec.MaxUnavailable.Value);
        Assert.Equal(5, objects.OfType<V1StatefulSet>().Single().Spec.Replicas);
    }

    [Fact]
    public void A_standalone_zookeeper_has_no_member_list_and_no_disruption_budget()
    {
        var objects = Render("zookeeper", "3.9.3", "small", new Dictionary<string, string>());

        Assert.DoesNotContain(objects.OfType<V1StatefulSet>().Single().Spec.Template.Spec.Containers[0].Env, e =>
            e.Name == "ZOO_SERVERS"
        );
        Assert.Empty(objects.OfType<V1PodDisruptionBudget>());
    }

    [Fact]
    public void The_kafka_cluster_id_is_a_stable_22_character_id_for_the_instance()
    {
        var uids = Enumerable.Range(0, 200).Select(i => InstanceNames.Uid($"events-{i}", "shop-dev")).ToList();

        Assert.All(uids, u => Assert.Matches("^[A-Za-z0-9_][A-Za-z0-9_-]{21}$", u));
        Assert.Equal(uids, Enumerable.Range(0, 200).Select(i => InstanceNames.Uid($"events-{i}", "shop-dev")));
        Assert.Equal(200, uids.Distinct().Count());
    }

    [Fact]
    public void Empty_documents_left_by_conditionals_are_skipped()
    {
        var definition = MiddlewareCatalog.Entry("redis").Definition;
        var padded = definition with
        {
            ObjectsTemplate =
                definition.ObjectsTemplate
                + "\n---\n# only a comment\n---\n{% if false %}kind: Nothing{% endif %}\n---\n",
        };

        Assert.Empty(TemplateValidation.Validate("redis", padded));
    }
}
