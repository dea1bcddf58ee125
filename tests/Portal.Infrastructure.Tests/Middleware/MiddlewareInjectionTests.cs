using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

/// <summary>
/// A developer's parameter value is data, never YAML: whatever it holds, it cannot add a key, an object or a document
/// to what a template renders. A template that writes a value where YAML could read it as structure fails to render
/// instead.
/// </summary>
public sealed class MiddlewareInjectionTests
{
    private const string Benign = "hello";

    /// <summary>A pod-level key, after a value at the pod level (priorityClassName).</summary>
    private const string HostNetwork = "x\n      hostNetwork: true";

    /// <summary>A container-level key, after a value at the container level (workingDir).</summary>
    private const string Privileged = "x\n          securityContext: { privileged: true }";

    private const string ClusterRoleBinding =
        "x\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: orders-admin }\n"
        + "roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\n"
        + "subjects: [{ kind: ServiceAccount, name: default, namespace: shop-dev }]\n";

    private const string ExternalService =
        "x\n---\napiVersion: v1\nkind: Service\nmetadata: { name: orders-public "
        + "}\nspec: { type: NodePort, externalIPs: [203.0.113.7], ports: [{ port: "
        + "5432 }] }\n";

    /// <summary>Where the test template writes the parameter 'note'.</summary>
    public enum Where
    {
        /// <summary>The POSTGRES_USER variable's value.</summary>
        Env,

        /// <summary>The pod's priorityClassName, among the pod's keys.</summary>
        Pod,

        /// <summary>The container's workingDir, among the container's keys.</summary>
        Container,

        /// <summary>A line of a config file in a ConfigMap's block scalar, at the end of the template.</summary>
        Config,
    }

    /// <summary>
    /// How a careless template might write the value: bare, in quotes, with yaml_string inside quotes or filtered
    /// further, through tags.
    /// </summary>
    private static readonly string[] Careless =
    [
        "{{ params.note }}",
        "\"{{ params.note }}\"",
        "'{{ params.note }}'",
        "\"x{{ params.note | yaml_string }}\"",
        "'x{{ params.note | yaml_string }}'",
        "{{ params.note | yaml_string | append: \"x\" }}",
        "{{ params.note | split: \",\" }}",
        "{% capture note %}{{ params.note }}{% endcapture %}{{ note }}",
        "{% echo params.note %}",
        "{% for i in (1..1) %}{% if true %}{{ params.note }}{% endif %}{% endfor %}",
        "{% case 1 %}{% when 1 %}{{ params.note }}{% endcase %}",
        "{% unless false %}{% if false %}{% elsif false %}{% else %}{{ params.note }}{% endif %}{% endunless %}",
        "{% ifchanged %}{{ params.note }}{% endifchanged %}",
    ];

    public static TheoryData<string, Where> CarelessPlacements()
    {
        var data = new TheoryData<string, Where>();
        foreach (var placement in Careless)
        {
            foreach (var where in Enum.GetValues<Where>())
                data.Add(placement, where);
        }
        return data;
    }

    public static TheoryData<string> Hostile() =>
        [
            HostNetwork,
            Privileged,
            ClusterRoleBinding,
            ExternalService,
            "a: b",
            "a #b",
            "\"quoted\"",
            "'single'",
            "{{ instance }}",
            "{% raw %}",
            "---",
            "...",
            "- item",
            "[a, b]",
            "{ a: b }",
            "&anchor x",
            "*anchor",
            "!!binary aGVsbG8=",
            "? key",
            "| block",
            "> folded",
            "%TAG",
            "@x",
            "`x`",
            "\\",
            "null",
            "~",
            "true",
            "0x10",
            "1e3",
            " padded ",
            "trailing\n",
            "\r\n",
            "\t",
            "\u2028",
            "\u0085",
            "ü 🐘",
            "a, b",
            "x\",\"y",
            "x', 'y",
            "x: y\n",
            "x:",
            "-1",
        ];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_value_written_with_yaml_string_reaches_the_pod_as_itself_and_adds_nothing(string hostile)
    {
        foreach (var where in new[] { Where.Env, Where.Pod, Where.Container })
        {
            var definition = PostgresWithNote("{{ params.note | yaml_string }}", where);

            var benign = Render(definition, Benign);
            var rendered = Render(definition, hostile);

            Assert.True(rendered.Succeeded, MiddlewareCatalogTests.Describe(rendered.Problem));
            Assert.Equal(hostile, Note(rendered.Value, where));
            Assert.Equal(Shape(benign.Value), Shape(rendered.Value));
        }
    }

    [Fact]
    public void A_parameter_value_with_a_newline_cannot_add_hostNetwork_to_the_pod()
    {
        var sound = Render(PostgresWithNote("{{ params.note | yaml_string }}", Where.Pod), HostNetwork);
        var careless = Render(PostgresWithNote("{{ params.note }}", Where.Pod), HostNetwork);

        Assert.Null(sound.Value.OfType<V1StatefulSet>().Single().Spec.Template.Spec.HostNetwork);
        Assert.Equal(HostNetwork, Note(sound.Value, Where.Pod));
        AssertRefusedBare(careless, "{{ params.note }}");
    }

    [Fact]
    public void A_parameter_value_cannot_make_a_container_privileged()
    {
        var sound = Render(PostgresWithNote("{{ params.note | yaml_string }}", Where.Container), Privileged);
        var careless = Render(PostgresWithNote("{{ params.note }}", Where.Container), Privileged);

        Assert.Null(sound.Value.OfType<V1StatefulSet>().Single().Spec.Template.Spec.Containers[0].SecurityContext);
        Assert.Equal(Privileged, Note(sound.Value, Where.Container));
        AssertRefusedBare(careless, "{{ params.note }}");
    }

    [Theory]
    [InlineData(ClusterRoleBinding)]
    [InlineData(ExternalService)]
    public void A_parameter_value_cannot_add_a_second_document_such_as_a_cluster_role_binding(string hostile)
    {
        var benign = Render(PostgresWithNote("{{ params.note | yaml_string }}", Where.Env), Benign);
        var sound = Render(PostgresWithNote("{{ params.note | yaml_string }}", Where.Env), hostile);
        var careless = Render(PostgresWithNote("{{ params.note }}", Where.Config), hostile);

        Assert.Equal(Names(benign.Value), Names(sound.Value));
        Assert.Equal(hostile, Note(sound.Value, Where.Env));
        AssertRefusedBare(careless, "{{ params.note }}");
    }

    [Theory]
    [MemberData(nameof(CarelessPlacements))]
    public void A_value_a_template_writes_where_yaml_reads_structure_fails_the_rendering_rather_than_adding_keys(
        string placement,
        Where where
    )
    {
        var definition = PostgresWithNote(placement, where);
        var benign = Render(definition, Benign);

        foreach (
            var hostile in new[]
            {
                HostNetwork,
                Privileged,
                ClusterRoleBinding,
                ExternalService,
                "x\", hostNetwork: true, y: \"",
                "x', hostNetwork: true, y: '",
            }
        )
        {
            var rendered = Render(definition, hostile);

            if (!rendered.Succeeded)
                continue;
            Assert.True(
                benign.Succeeded,
                $"'{hostile}' placed as {placement} renders where '{Benign}' does not: "
                    + $"{string.Join(", ", Names(rendered.Value))}"
            );
            Assert.Equal(Shape(benign.Value), Shape(rendered.Value));
        }
    }

    [Theory]
    [InlineData("{% capture note %}{{ params.note }}{% endcapture %}{{ note }}")]
    [InlineData("{% echo params.note %}")]
    [InlineData("{% for i in (1..1) %}{% if true %}{{ params.note }}{% endif %}{% endfor %}")]
    [InlineData("{% case 1 %}{% when 1 %}{{ params.note }}{% endcase %}")]
    [InlineData(
        "{% unless false %}{% if false %}{% elsif false %}{% else %}{{ params.note }}{% endif %}{% endunless %}"
    )]
    [InlineData("{% ifchanged %}{{ params.note }}{% endifchanged %}")]
    [InlineData("{% tablerow i in (1..1) %}{{ params.note }}{% endtablerow %}")]
    public void A_value_written_from_inside_any_tag_is_checked_like_any_output(string placement)
    {
        var rendered = Render(PostgresWithNote(placement, Where.Pod), HostNetwork);

        Assert.False(rendered.Succeeded);
        Assert.Contains("writes a value holding a line break bare into the YAML", rendered.Problem!.Message);
    }

    [Fact]
    public void A_template_that_writes_a_free_text_parameter_bare_is_told_to_use_yaml_string()
    {
        var rendered = Render(PostgresWithNote("{{ params.note }}", Where.Env), "a: b");

        AssertRefusedBare(rendered, "{{ params.note }}");
        Assert.Contains("{{ params.note | yaml_string }}", rendered.Problem!.Message);
    }

    [Theory]
    [InlineData("orders")]
    [InlineData("postgres:16.8")]
    [InlineData("registry.example.com:5000/team/postgres@sha256:0123")]
    [InlineData("-1")]
    [InlineData("0.25")]
    [InlineData("a_b.c/d+e=f%g~h")]
    public void Names_numbers_images_and_quantities_are_still_written_bare(string value)
    {
        var rendered = Render(PostgresWithNote("{{ params.note }}", Where.Env), value);

        Assert.True(rendered.Succeeded, MiddlewareCatalogTests.Describe(rendered.Problem));
        Assert.Equal(value, Note(rendered.Value, Where.Env));
    }

    [Fact]
    public void A_value_like_a_document_marker_is_refused_at_the_start_of_a_line_and_written_anywhere_else()
    {
        var definition = PostgresWithNote("{{ params.note }}", Where.Config);
        var atLineStart = definition with { ObjectsTemplate = definition.ObjectsTemplate + "{{ params.note }}\n" };

        var inline = Render(definition, "---");
        var refused = Render(atLineStart, "---");

        Assert.True(inline.Succeeded, MiddlewareCatalogTests.Describe(inline.Problem));
        Assert.Equal("---", Note(inline.Value, Where.Config));
        AssertRefusedBare(refused, "{{ params.note }}");
        Assert.Contains("'---' at its start", refused.Problem!.Message);
    }

    [Theory]
    [InlineData("raw")]
    [InlineData("escape")]
    [InlineData("escape_once")]
    public void Filters_that_would_write_a_value_unchecked_are_not_offered(string filter)
    {
        var rendered = Render(PostgresWithNote($"{{{{ params.note | {filter} }}}}", Where.Pod), HostNetwork);

        Assert.False(rendered.Succeeded);
        Assert.Contains($"'{filter}'", MiddlewareCatalogTests.Describe(rendered.Problem));
    }

    [Fact]
    public void The_cycle_tag_which_writes_values_past_the_check_is_not_offered()
    {
        var rendered = Render(PostgresWithNote("{% cycle params.note, \"b\" %}", Where.Pod), HostNetwork);

        Assert.False(rendered.Succeeded);
        Assert.Contains("cycle", MiddlewareCatalogTests.Describe(rendered.Problem));
    }

    private static void AssertRefusedBare(
        Portal.Domain.Common.Result<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>> rendered,
        string output
    )
    {
        Assert.False(
            rendered.Succeeded,
            "The rendering was expected to be refused, but it gave: "
                + (rendered.Succeeded ? string.Join(", ", Names(rendered.Value)) : "")
        );
        Assert.Equal("ObjectsTemplate", rendered.Problem!.Field);
        Assert.Contains(output, rendered.Problem.Message);
        Assert.Contains("yaml_string", rendered.Problem.Message);
    }

    /// <summary>
    /// The shipped PostgreSQL template with a free-text parameter 'note', written <paramref name="where"/> as
    /// <paramref name="placement"/>.
    /// </summary>
    private static TemplateDefinition PostgresWithNote(string placement, Where where)
    {
        var definition = MiddlewareCatalog.Entry("postgresql").Definition;
        var objects = where switch
        {
            Where.Env => Replace(
                definition.ObjectsTemplate,
                "value: {{ params.username | yaml_string }}\n",
                $"value: {placement}\n"
            ),
            Where.Pod => Replace(
                definition.ObjectsTemplate,
                "terminationGracePeriodSeconds: 60\n",
                $"terminationGracePeriodSeconds: 60\n      priorityClassName: {placement}\n"
            ),
            Where.Container => Replace(
                definition.ObjectsTemplate,
                "image: {{ image | yaml_string }}\n",
                $"image: {{{{ image | yaml_string }}}}\n          workingDir: {placement}\n"
            ),
            _ => definition.ObjectsTemplate
                + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ "
                + $"config_name }}}}\ndata:\n  note.conf: |\n    note = {placement}\n",
        };
        return definition with
        {
            Parameters =
            [
                .. definition.Parameters,
                new TemplateParameter("note", ParameterType.String, Benign, [], true, "Free text."),
            ],
            ObjectsTemplate = objects,
        };

        static string Replace(string template, string line, string with)
        {
            Assert.Contains(line, template);
            return template.Replace(line, with, StringComparison.Ordinal);
        }
    }

    private static Portal.Domain.Common.Result<IReadOnlyList<IKubernetesObject<V1ObjectMeta>>> Render(
        TemplateDefinition definition,
        string note
    )
    {
        var parameters = definition.ResolveParameters(new Dictionary<string, string?> { ["note"] = note });
        Assert.True(parameters.Succeeded, MiddlewareCatalogTests.Describe(parameters.Problem));
        var version = definition.Versions[^1];
        var plan = definition.Plans[0];
        return TemplateRenderer.Render(
            new InstanceRenderInput(
                "shop-dev",
                "orders",
                MiddlewareCatalog.Shop,
                "postgresql",
                definition,
                version,
                plan,
                plan.Replicas,
                parameters.Value,
                new Dictionary<string, string> { ["password"] = "s3cr3t" }
            )
        );
    }

    private static string? Note(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects, Where where)
    {
        var pod = objects.OfType<V1StatefulSet>().Single().Spec.Template.Spec;
        return where switch
        {
            Where.Env => pod.Containers[0].Env.Single(e => e.Name == "POSTGRES_USER").Value,
            Where.Pod => pod.PriorityClassName,
            Where.Container => pod.Containers[0].WorkingDir,
            _ => objects.OfType<V1ConfigMap>().Single().Data["note.conf"].TrimEnd('\n')["note = ".Length..],
        };
    }

    private static List<string> Names(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects) =>
        objects.Select(o => $"{o.Kind}/{o.Metadata.Name}").ToList();

    /// <summary>
    /// Every path of every object with the kind of its leaf, values left out: what a value may not change.
    /// </summary>
    private static List<string> Shape(IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var paths = new List<string>();
        var index = 0;
        foreach (var o in objects)
            Walk(JsonNode.Parse(KubernetesJson.Serialize(o)), $"{o.Kind}#{index++}", paths);
        return paths;

        static void Walk(JsonNode? node, string path, List<string> paths)
        {
            switch (node)
            {
                case JsonObject map:
                    foreach (var (key, child) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                        Walk(child, $"{path}.{key}", paths);
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                        Walk(array[i], $"{path}[{i}]", paths);
                    break;
                default:
                    paths.Add($"{path}:{node?.GetValueKind().ToString() ?? "null"}");
                    break;
            }
        }
    }
}
