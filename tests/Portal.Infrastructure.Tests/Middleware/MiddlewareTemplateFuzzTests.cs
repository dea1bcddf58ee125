using System.Diagnostics;
using Portal.Domain.Common;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

/// <summary>
/// The check before a template is saved renders it not only with the defaults but with hostile values every parameter
/// allows — boundary numbers, the longest strings, YAML's metacharacters, every choice — and refuses a template that
/// breaks, changes its objects' structure or asks for a forbidden field with any of them.
/// </summary>
public sealed class MiddlewareTemplateFuzzTests
{
    /// <summary>
    /// The shipped PostgreSQL template with a parameter 'note' written into POSTGRES_USER as
    /// <paramref name="placement"/>.
    /// </summary>
    private static TemplateDefinition WithNote(
        TemplateParameter note,
        string placement,
        string? objectsLine = null,
        string? objectsWith = null
    )
    {
        var definition = MiddlewareCatalog.Entry("postgresql").Definition;
        var objects = definition.ObjectsTemplate.Replace(
            "value: {{ params.username | yaml_string }}\n",
            $"value: {placement}\n",
            StringComparison.Ordinal
        );
        if (objectsLine is not null)
        {
            Assert.Contains(objectsLine, objects);
            objects = objects.Replace(objectsLine, objectsWith, StringComparison.Ordinal);
        }
        return definition with { Parameters = [.. definition.Parameters, note], ObjectsTemplate = objects };
    }

    private static TemplateParameter Text(string? pattern = null, string? @default = "hello", bool required = true) =>
        new("note", ParameterType.String, @default, [], required, "Free text.", pattern);

    private static IReadOnlyList<Problem> Check(TemplateDefinition definition) =>
        TemplateValidation.Validate("postgresql", definition);

    [Fact]
    public void A_template_that_writes_a_free_text_parameter_bare_is_refused_before_it_is_saved()
    {
        var problems = Check(WithNote(Text(), "{{ params.note }}"));

        var problem = Assert.Single(problems);
        Assert.Equal("ObjectsTemplate", problem.Field);
        Assert.StartsWith("With note = '", problem.Message);
        Assert.Contains("{{ params.note }} writes a value holding", problem.Message);
        Assert.Contains("write {{ params.note | yaml_string }} where a scalar goes", problem.Message);
        Assert.Contains("(rendering version 16.8 with plan 'small' and 2 more)", problem.Message);
    }

    [Fact]
    public void A_template_that_quotes_a_free_text_parameter_itself_is_refused()
    {
        var problems = Check(WithNote(Text(), "\"{{ params.note }}\""));

        Assert.Contains(problems, p =>
            p.Message.Contains("{{ params.note }} writes a value holding", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void The_same_parameter_written_with_yaml_string_passes()
    {
        Assert.Empty(Check(WithNote(Text(), "{{ params.note | yaml_string }}")));
    }

    [Theory]
    [InlineData(".*")]
    [InlineData("[^\"]*")]
    [InlineData("[a-z\\s]+")]
    [InlineData("[a-z]+(:[a-z ]+)?")]
    [InlineData("[a-z#]+")]
    public void A_pattern_that_lets_a_yaml_metacharacter_through_gets_a_bare_parameter_refused(string pattern)
    {
        var problems = Check(WithNote(Text(pattern), "{{ params.note }}"));

        Assert.Contains(problems, p =>
            p.Message.Contains("{{ params.note }} writes a value holding", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void A_bare_parameter_whose_values_yaml_may_read_as_null_is_refused_for_changing_the_objects()
    {
        var problems = Check(WithNote(Text("[a-z]+"), "{{ params.note }}"));

        var problem = Assert.Single(problems);
        Assert.Contains("With note = 'null'", problem.Message);
        Assert.Contains("changes the objects", problem.Message);
        Assert.Contains("spec.template.spec.containers[0].env[0].value", problem.Message);
    }

    [Fact]
    public void A_bare_parameter_whose_pattern_admits_only_plain_names_passes()
    {
        Assert.Empty(Check(WithNote(Text("[a-z]{1,8}-[0-9]{1,4}", "db-1"), "{{ params.note }}")));
    }

    [Fact]
    public void The_longest_value_a_pattern_allows_is_tried()
    {
        // Only the longest value the pattern allows breaks this template.
        var definition = WithNote(
            Text("[a-z]{1,63}", "app"),
            "{{ params.note | yaml_string }}",
            "      terminationGracePeriodSeconds: 60\n",
            "      terminationGracePeriodSeconds: 60\n{% if params.note.size == 63 "
                + "%}      hostNetwork: true\n{% endif %}"
        );

        var problems = Check(definition);

        Assert.Contains(problems, p =>
            p.Message.StartsWith("With note = 'aaaaaaaaaaaaaaaaaaaa…' (63 characters)", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void A_boundary_number_that_does_not_fit_the_field_gets_the_template_refused()
    {
        var threshold = new TemplateParameter("note", ParameterType.Integer, "3", [], true, "Failures before restart.");
        var definition = WithNote(
            threshold,
            "{{ params.note | yaml_string }}",
            "            failureThreshold: 6\n",
            "            failureThreshold: {{ params.note }}\n"
        );

        var problems = Check(definition);

        var problem = Assert.Single(problems);
        Assert.StartsWith("With note = '2147483648': ", problem.Message);
    }

    [Fact]
    public void Every_choice_is_rendered_not_only_the_first()
    {
        var choice = new TemplateParameter(
            "note",
            ParameterType.Choice,
            "fast",
            ["fast", "safe", "fast but careless"],
            true,
            "Mode."
        );

        var problems = Check(WithNote(choice, "{{ params.note }}"));

        var problem = Assert.Single(problems);
        Assert.StartsWith(
            "With note = 'fast but careless': {{ params.note }} writes a value holding a space",
            problem.Message
        );
    }

    [Fact]
    public void A_choice_that_would_add_a_privileged_container_is_refused_naming_the_field()
    {
        var choice = new TemplateParameter("note", ParameterType.Choice, "off", ["off", "debug"], true, "Mode.");
        var definition = WithNote(
            choice,
            "{{ params.note | yaml_string }}",
            "          image: {{ image | yaml_string }}\n",
            "          image: {{ image | yaml_string }}\n{% if params.note == "
                + "\"debug\" %}          securityContext: { privileged: true }\n{% endif "
                + "%}"
        );

        var problem = Assert.Single(Check(definition));

        Assert.StartsWith(
            "With note = 'debug': StatefulSet 'sample': "
                + "spec.template.spec.containers[0] "
                + "('postgresql').securityContext.privileged is true",
            problem.Message
        );
    }

    [Fact]
    public void An_optional_parameter_that_switches_a_part_on_when_given_passes()
    {
        var definition = WithNote(
            Text(@default: null, required: false),
            "{{ params.username | yaml_string }}",
            "      terminationGracePeriodSeconds: 60\n",
            "      terminationGracePeriodSeconds: 60\n{% if params.note %}      "
                + "subdomain: {{ params.note | yaml_string }}\n{% endif %}"
        );

        Assert.Empty(Check(definition));
    }

    [Fact]
    public void Adding_a_version_is_refused_when_a_hostile_value_breaks_its_rendering()
    {
        var definition = WithNote(
            Text(),
            "{% if major_line == \"18\" %}{{ params.note }}{% else %}{{ params.note | yaml_string }}{% endif %}"
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
                new DateTime(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc)
            )
            .Value;

        var refused = template.AddVersion(
            new TemplateVersion("18.0", "postgres:18.0", "18"),
            TemplateValidation.Instance,
            DateTime.UtcNow
        );

        Assert.False(refused.Succeeded);
        Assert.Contains("{{ params.note }} writes a value holding", refused.Problem!.Message);
        Assert.Contains("version 18.0", refused.Problem.Message);
    }

    [Fact]
    public void The_fuzzed_check_of_a_shipped_template_takes_seconds_at_most_even_on_a_busy_machine()
    {
        // A comment of its own makes each definition one the check has not seen, so that it is not answered from its
        // memory.
        var fresh = $"\n# {Guid.NewGuid()}\n";
        var entries = MiddlewareCatalog.Entries();
        TemplateValidation.Validate(
            entries[0].Name,
            entries[0].Definition with
            {
                ObjectsTemplate = entries[0].Definition.ObjectsTemplate + "\n# warm-up\n",
            }
        );
        var clock = Stopwatch.StartNew();

        foreach (var entry in entries)
            Assert.Empty(
                TemplateValidation.Validate(
                    entry.Name,
                    entry.Definition with
                    {
                        ObjectsTemplate = entry.Definition.ObjectsTemplate + fresh,
                    }
                )
            );

        Assert.True(
            clock.Elapsed < TimeSpan.FromSeconds(entries.Count * 5),
            $"The check took {clock.Elapsed.TotalSeconds:0.0} s for {entries.Count} templates."
        );
    }
}
