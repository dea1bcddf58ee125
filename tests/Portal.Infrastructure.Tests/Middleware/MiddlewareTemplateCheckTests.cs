using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

/// <summary>
/// A broken template is refused before anyone can provision from it, with a message that says what to fix.
/// </summary>
public sealed class MiddlewareTemplateCheckTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static TemplateDefinition Postgres() => MiddlewareCatalog.Entry("postgresql").Definition;

    private static TemplateDefinition WithObjects(Func<string, string> change)
    {
        var definition = Postgres();
        var changed = change(definition.ObjectsTemplate);
        Assert.NotEqual(definition.ObjectsTemplate, changed);
        return definition with { ObjectsTemplate = changed };
    }

    private static Problem Refused(TemplateDefinition definition, string message)
    {
        var problems = TemplateValidation.Validate("postgresql", definition);
        var problem = Assert.Single(problems, p => p.Message.Contains(message, StringComparison.Ordinal));
        Assert.Equal("validation", problem.Code);
        return problem;
    }

    [Fact]
    public void The_shipped_postgresql_template_passes()
    {
        Assert.Empty(TemplateValidation.Validate("postgresql", Postgres()));
    }

    [Fact]
    public void Liquid_that_does_not_parse_is_refused()
    {
        var problem = Refused(WithObjects(t => t + "\n{% if %}\n"), "The template does not parse");

        Assert.Equal("ObjectsTemplate", problem.Field);
    }

    [Fact]
    public void A_misspelt_parameter_is_refused_rather_than_rendered_empty()
    {
        var problem = Refused(
            WithObjects(t => t.Replace("params.max_connections", "params.max_conections", StringComparison.Ordinal)),
            "'params.max_conections' is not defined"
        );

        Assert.Contains("version 16.8 with plan 'small'", problem.Message);
    }

    [Fact]
    public void Yaml_that_does_not_parse_is_refused_with_its_line()
    {
        Refused(
            WithObjects(t =>
                t.Replace("type: Opaque\n", "type: Opaque\n  misplaced: indent\n", StringComparison.Ordinal)
            ),
            "The rendered YAML does not parse at line 6, column"
        );
        Refused(
            WithObjects(t =>
                t.Replace("type: Opaque\n", "type: Opaque\nbroken: [unclosed\n", StringComparison.Ordinal)
            ),
            "The document at line 1 of the rendered YAML does not parse"
        );
    }

    [Fact]
    public void A_quantity_that_is_not_one_is_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace("storage: {{ plan.storage | yaml_string }}", "storage: lots", StringComparison.Ordinal)
            ),
            "does not parse"
        );
    }

    [Fact]
    public void A_field_kubernetes_does_not_know_is_refused()
    {
        Refused(WithObjects(t => t.Replace("serviceName:", "servicename:", StringComparison.Ordinal)), "servicename");
    }

    [Fact]
    public void A_kind_outside_the_allowed_ones_is_refused()
    {
        Refused(
            WithObjects(t =>
                t
                + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: "
                + "ClusterRole\nmetadata:\n  name: {{ instance }}-admin\n"
            ),
            "ClusterRole (rbac.authorization.k8s.io/v1) at line"
        );
    }

    [Fact]
    public void A_template_without_a_statefulset_is_refused()
    {
        var problem = Refused(
            WithObjects(t => t[..t.IndexOf("---\napiVersion: apps/v1", StringComparison.Ordinal)]),
            "There is no StatefulSet"
        );

        Assert.Contains("and 8 more", problem.Message);
    }

    [Fact]
    public void A_container_on_another_image_is_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace("image: {{ image | yaml_string }}", "image: postgres:latest", StringComparison.Ordinal)
            ),
            "runs 'postgres:latest' instead of the version's image 'postgres:16.8'"
        );
    }

    [Fact]
    public void Resources_that_are_not_the_plans_are_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace("memory: {{ plan.memory_limit | yaml_string }}", "memory: 64Gi", StringComparison.Ordinal)
            ),
            "memory limits add up to 64 GiB, not the plan's 1 GiB"
        );
        Refused(
            WithObjects(t =>
                t.Replace(
                    "limits: { cpu: {{ plan.cpu_limit | yaml_string }}, memory: {{ "
                        + "plan.memory_limit | yaml_string }} }",
                    "limits: {}",
                    StringComparison.Ordinal
                )
            ),
            "has no CPU limit"
        );
    }

    [Fact]
    public void A_statefulset_without_its_headless_service_is_refused()
    {
        Refused(
            WithObjects(t => t.Replace("  clusterIP: None\n", "", StringComparison.Ordinal)),
            "is not headless: give it clusterIP: None"
        );
        Refused(
            WithObjects(t =>
                t.Replace("serviceName: {{ headless_name }}", "serviceName: elsewhere", StringComparison.Ordinal)
            ),
            "names serviceName 'elsewhere', which the template does not render"
        );
    }

    [Fact]
    public void A_template_without_a_client_service_named_for_the_instance_is_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace("name: {{ service_name }}", "name: {{ instance }}-client", StringComparison.Ordinal)
            ),
            "There is no client Service named {{ service_name }}"
        );
    }

    [Fact]
    public void An_unquoted_credential_that_yaml_would_cut_short_is_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace(
                    "password: {{ credentials.password | yaml_string }}",
                    "password: {{ credentials.password }}",
                    StringComparison.Ordinal
                )
            ),
            "{{ credentials.password }} writes a value holding '\"' bare into the "
                + "YAML, where it could add keys or objects: write {{ "
                + "credentials.password | yaml_string }} where a scalar goes."
        );
    }

    [Fact]
    public void Storage_that_is_not_the_plans_is_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace("storage: {{ plan.storage | yaml_string }}", "storage: 1Gi", StringComparison.Ordinal)
            ),
            "ask for 1 GiB of storage, not the plan's 10 GiB"
        );
    }

    [Fact]
    public void An_object_not_named_for_the_instance_is_refused()
    {
        Refused(
            WithObjects(t =>
                t.Replace("name: {{ secret_name }}\n", "name: shared-credentials\n", StringComparison.Ordinal)
            ),
            "Secret 'shared-credentials' is not named for the instance"
        );
    }

    [Fact]
    public void A_broken_connection_string_is_refused_with_its_field()
    {
        var definition = Postgres() with
        {
            ConnectionStrings = [new ConnectionStringTemplate("JDBC", "jdbc:postgresql://{{ hots }}:{{ port }}/")],
        };

        var problem = Assert.Single(TemplateValidation.Validate("postgresql", definition));

        Assert.Equal("ConnectionStrings[0].Template", problem.Field);
        Assert.Contains("'hots'", problem.Message);
    }

    [Fact]
    public void Adding_a_version_whose_image_the_template_does_not_run_is_refused_by_the_template()
    {
        var definition = WithObjects(t =>
            t.Replace(
                "image: {{ image | yaml_string }}",
                "image: {% if major_line == \"18\" %}postgres:18{% else %}{{ image | yaml_string }}{% endif %}",
                StringComparison.Ordinal
            )
        );
        var template = MiddlewareTemplate
            .Create(
                "postgresql",
                "PostgreSQL",
                MiddlewareCategory.Database,
                "database",
                "",
                definition,
                TemplateValidation.Instance,
                Now
            )
            .Value;

        var added = template.AddVersion(
            new TemplateVersion("16.10", "postgres:16.10", "16"),
            TemplateValidation.Instance,
            Now
        );
        var refused = template.AddVersion(
            new TemplateVersion("18.0", "postgres:18.0", "18"),
            TemplateValidation.Instance,
            Now
        );

        Assert.True(added.Succeeded);
        Assert.False(refused.Succeeded);
        Assert.Equal("Definition.ObjectsTemplate", refused.Problem!.Field);
        Assert.Contains("runs 'postgres:18' instead of the version's image 'postgres:18.0'", refused.Problem.Message);
        Assert.Null(template.FindVersion("18.0"));
    }

    [Fact]
    public void A_broken_template_cannot_be_created()
    {
        var created = MiddlewareTemplate.Create(
            "postgresql",
            "PostgreSQL",
            MiddlewareCategory.Database,
            "database",
            "",
            WithObjects(t => t + "\n{% if %}"),
            TemplateValidation.Instance,
            Now
        );

        Assert.False(created.Succeeded);
        Assert.Equal("Definition.ObjectsTemplate", created.Problem!.Field);
    }
}
