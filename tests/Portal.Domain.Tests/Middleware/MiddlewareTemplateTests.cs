using System.Text.Json;
using Portal.Domain.Common;
using Portal.Domain.Middleware;

namespace Portal.Domain.Tests.Middleware;

/// <summary>A small valid definition to change one thing at a time, and checks that pass or refuse.</summary>
internal static class Templates
{
    public const long Mi = 1L << 20;
    public const long Gi = 1L << 30;
    public static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    public static TemplateVersion Version(string version, string? line = null, bool hidden = false) =>
        new(version, $"postgres:{version}", line ?? version.Split('.')[0], hidden);

    public static TemplatePlan Plan(string name, bool hidden = false) =>
        new(name, name.ToUpperInvariant(), 250, 1000, 512 * Mi, 1 * Gi, 10 * Gi, 1, 1, hidden);

    public static TemplateDefinition Definition() =>
        new()
        {
            Versions = [Version("16.8"), Version("16.9"), Version("17.5")],
            Plans = [Plan("small"), Plan("medium")],
            Parameters =
            [
                new TemplateParameter(
                    "database",
                    ParameterType.String,
                    "app",
                    [],
                    true,
                    "The database.",
                    "[a-z_][a-z0-9_]*"
                ),
                new TemplateParameter("max_connections", ParameterType.Integer, "100", [], true, "Connections."),
                new TemplateParameter("ssl", ParameterType.Boolean, "false", [], false, "TLS."),
                new TemplateParameter("mode", ParameterType.Choice, "fast", ["fast", "safe"], true, "Mode."),
                new TemplateParameter("comment", ParameterType.String, null, [], false, "Free text."),
            ],
            Ports = [new TemplatePort("postgresql", 5432)],
            Credentials = [new CredentialSpec("password", 24)],
            ConnectionStrings = [new ConnectionStringTemplate("psql URI", "postgresql://{{ host }}:{{ port }}")],
            BindingVariables =
            [
                new BindingVariable("POSTGRES_HOST", "{{ host }}", null),
                new BindingVariable("POSTGRES_PASSWORD", null, "password"),
            ],
            ObjectsTemplate = "apiVersion: v1\nkind: Service\n",
        };

    public static MiddlewareTemplate Create(TemplateDefinition? definition = null) =>
        MiddlewareTemplate
            .Create(
                "postgresql",
                "PostgreSQL",
                MiddlewareCategory.Database,
                "database",
                "The database.",
                definition ?? Definition(),
                StandInCheck.Passes,
                Now
            )
            .Value;

    public static IReadOnlyList<string?> Fields(Result result) => Fields(result.Problem!);

    public static IReadOnlyList<string?> Fields(Problem problem) =>
        problem.Causes.Count > 0 ? problem.Causes.Select(c => c.Field).ToList() : [problem.Field];
}

/// <summary>A stand-in for the rendering check, which the infrastructure implements.</summary>
internal sealed class StandInCheck(params Problem[] problems) : ITemplateCheck
{
    public static readonly StandInCheck Passes = new();
    public List<string> Checked { get; } = [];

    public IReadOnlyList<Problem> Check(string templateName, TemplateDefinition definition)
    {
        Checked.Add(templateName);
        return problems;
    }
}

public sealed class MiddlewareTemplateTests
{
    [Fact]
    public void A_template_with_bad_details_and_a_bad_definition_reports_every_problem_at_once()
    {
        var definition = Templates.Definition() with
        {
            Versions =
            [
                new TemplateVersion("16.x", "postgres:16", "16"),
                new TemplateVersion("17.5", "postgres", "16"),
            ],
            Plans = [Templates.Plan("small") with { CpuLimitMillis = 100 }, Templates.Plan("small")],
            Parameters = [new TemplateParameter("mode", ParameterType.Choice, "slow", ["fast", "safe"], true, "")],
            Ports = [new TemplatePort("PostgreSQL", 5432)],
            Credentials = [new CredentialSpec("password", 4)],
            BindingVariables = [new BindingVariable("POSTGRES_PASSWORD", "{{ host }}", "password")],
            ObjectsTemplate = " ",
        };
        var check = new StandInCheck();

        var created = MiddlewareTemplate.Create(
            "Postgre_SQL",
            "",
            MiddlewareCategory.Database,
            "Database!",
            null,
            definition,
            check,
            Templates.Now
        );

        Assert.False(created.Succeeded);
        Assert.Equal(
            [
                "Name",
                "DisplayName",
                "Icon",
                "Definition.Versions[0].Version",
                "Definition.Versions[1].Image",
                "Definition.Versions[1].MajorLine",
                "Definition.Plans[0].CpuLimit",
                "Definition.Plans[1].Name",
                "Definition.Parameters[0].Default",
                "Definition.Ports[0].Name",
                "Definition.Credentials[0].Length",
                "Definition.BindingVariables[0]",
                "Definition.ObjectsTemplate",
            ],
            created.Problem!.Causes.Select(c => c.Field)
        );
        Assert.Empty(check.Checked);
    }

    [Fact]
    public void A_valid_template_is_proven_to_render_before_it_is_created()
    {
        var check = new StandInCheck();

        var template = MiddlewareTemplate
            .Create(
                "postgresql",
                " PostgreSQL ",
                MiddlewareCategory.Database,
                "database",
                "",
                Templates.Definition(),
                check,
                Templates.Now
            )
            .Value;

        Assert.Equal(["postgresql"], check.Checked);
        Assert.Equal("PostgreSQL", template.DisplayName);
        Assert.Equal(Templates.Now, template.CreatedAt);
        Assert.False(template.Hidden);
    }

    [Fact]
    public void A_template_that_does_not_render_is_refused_with_the_checks_problems()
    {
        var check = new StandInCheck(Problem.Invalid("ObjectsTemplate", "There is no StatefulSet."));

        var created = MiddlewareTemplate.Create(
            "postgresql",
            "PostgreSQL",
            MiddlewareCategory.Database,
            "database",
            "",
            Templates.Definition(),
            check,
            Templates.Now
        );

        Assert.Equal("Definition.ObjectsTemplate", created.Problem!.Field);
        Assert.Equal("There is no StatefulSet.", created.Problem.Message);
    }

    [Fact]
    public void A_template_offers_at_least_one_visible_version_and_plan()
    {
        var definition = Templates.Definition() with
        {
            Versions = [Templates.Version("16.8", hidden: true)],
            Plans = [],
        };

        var problems = definition.Validate();

        Assert.Equal(["Versions", "Plans"], problems.Select(p => p.Field));
    }

    [Fact]
    public void A_binding_variable_takes_a_value_or_a_secret_key_and_names_a_valid_variable()
    {
        var definition = Templates.Definition() with
        {
            BindingVariables =
            [
                new BindingVariable("1HOST", "{{ host }}", null),
                new BindingVariable("EMPTY", null, null),
                new BindingVariable("KEY", null, "pass word"),
            ],
        };

        Assert.Equal(
            ["BindingVariables[0].Name", "BindingVariables[1]", "BindingVariables[2].SecretKey"],
            definition.Validate().Select(p => p.Field)
        );
    }

    [Theory]
    [InlineData("16.10", "16.9", 1)]
    [InlineData("16.9", "16.10", -1)]
    [InlineData("16", "16.0", 0)]
    [InlineData("8.0.42", "8.4.4", -1)]
    [InlineData("10.0", "9.99.99", 1)]
    public void Versions_compare_number_by_number(string a, string b, int sign)
    {
        Assert.Equal(sign, Math.Sign(VersionOrder.Compare(a, b)));
    }

    [Fact]
    public void An_instance_upgrades_only_to_a_newer_visible_version_of_its_major_line()
    {
        var template = Templates.Create(
            Templates.Definition() with
            {
                Versions =
                [
                    Templates.Version("16.8"),
                    Templates.Version("16.9"),
                    Templates.Version("16.10"),
                    Templates.Version("16.11", hidden: true),
                    Templates.Version("17.5"),
                ],
            }
        );

        Assert.True(template.CanUpgrade("16.8", "16.10"));
        Assert.True(template.CanUpgrade("16.9", "16.10"));
        Assert.False(template.CanUpgrade("16.10", "16.9"));
        Assert.False(template.CanUpgrade("16.9", "16.9"));
        Assert.False(template.CanUpgrade("16.9", "16.11"));
        Assert.False(template.CanUpgrade("16.9", "17.5"));
        Assert.Contains("upgrades stay within a major line", template.CheckUpgrade("16.9", "17.5").Problem!.Message);
        Assert.Equal("not-found", template.CheckUpgrade("15.1", "16.9").Problem!.Code);
        Assert.Equal(["16.10", "16.9"], template.UpgradeTargets("16.8").Select(v => v.Version));
    }

    [Fact]
    public void An_instance_on_a_hidden_version_may_still_upgrade_from_it()
    {
        var template = Templates.Create();
        Assert.True(template.HideVersion("16.8", Templates.Now).Succeeded);

        Assert.True(template.CanUpgrade("16.8", "16.9"));
    }

    [Fact]
    public void Visible_versions_come_newest_first_and_hidden_ones_are_left_out()
    {
        var template = Templates.Create();

        template.HideVersion("16.9", Templates.Now);

        Assert.Equal(["17.5", "16.8"], template.VisibleVersions().Select(v => v.Version));
        Assert.True(template.FindVersion("16.9")!.Hidden);
        Assert.True(template.ShowVersion("16.9", Templates.Now).Succeeded);
        Assert.Equal(["17.5", "16.9", "16.8"], template.VisibleVersions().Select(v => v.Version));
    }

    [Fact]
    public void A_version_is_added_after_the_check_and_its_problems_name_its_own_fields()
    {
        var template = Templates.Create();
        var later = Templates.Now.AddHours(1);

        var added = template.AddVersion(new TemplateVersion("17.6", "postgres:17.6", "17"), StandInCheck.Passes, later);
        var duplicate = template.AddVersion(
            new TemplateVersion("17.6", "postgres:17.6", "17"),
            StandInCheck.Passes,
            later
        );
        var untagged = template.AddVersion(new TemplateVersion("17.7", "postgres", "16"), StandInCheck.Passes, later);

        Assert.True(added.Succeeded);
        Assert.Equal(later, template.UpdatedAt);
        Assert.Equal("17.6", template.VisibleVersions()[0].Version);
        Assert.Equal(["Version"], Templates.Fields(duplicate));
        Assert.Equal(["Image", "MajorLine"], Templates.Fields(untagged));
        Assert.Equal(4, template.Definition.Versions.Count);
    }

    [Fact]
    public void A_version_the_template_does_not_render_is_not_added()
    {
        var template = Templates.Create();

        var refused = template.AddVersion(
            new TemplateVersion("18.0", "postgres:18.0", "18"),
            new StandInCheck(
                Problem.Invalid(
                    "ObjectsTemplate",
                    "Container 'postgresql' runs 'postgres:17' instead of the version's image."
                )
            ),
            Templates.Now
        );

        Assert.False(refused.Succeeded);
        Assert.Equal("Definition.ObjectsTemplate", refused.Problem!.Field);
        Assert.Null(template.FindVersion("18.0"));
    }

    [Fact]
    public void A_plan_is_added_and_an_invalid_one_is_refused_with_its_fields()
    {
        var template = Templates.Create();

        var added = template.AddPlan(Templates.Plan("large"), StandInCheck.Passes, Templates.Now);
        var refused = template.AddPlan(
            Templates.Plan("huge") with
            {
                MemoryLimitBytes = 1,
                StorageBytes = 0,
                Replicas = 3,
                MaxReplicas = 2,
            },
            StandInCheck.Passes,
            Templates.Now
        );

        Assert.True(added.Succeeded);
        Assert.Equal(["small", "medium", "large"], template.VisiblePlans().Select(p => p.Name));
        Assert.Equal(["MemoryLimit", "Storage", "MaxReplicas"], Templates.Fields(refused));
    }

    [Fact]
    public void A_hidden_plan_is_no_longer_offered_but_the_last_visible_one_stays()
    {
        var template = Templates.Create();

        Assert.True(template.HidePlan("small", Templates.Now).Succeeded);
        var last = template.HidePlan("medium", Templates.Now);

        Assert.Equal(["medium"], template.VisiblePlans().Select(p => p.Name));
        Assert.Equal("conflict", last.Problem!.Code);
        Assert.Equal("not-found", template.HidePlan("tiny", Templates.Now).Problem!.Code);
    }

    [Fact]
    public void The_last_visible_version_cannot_be_hidden()
    {
        var template = Templates.Create(
            Templates.Definition() with
            {
                Versions = [Templates.Version("16.8"), Templates.Version("16.9", hidden: true)],
            }
        );

        var refused = template.HideVersion("16.8", Templates.Now);

        Assert.Equal("conflict", refused.Problem!.Code);
        Assert.Contains("hide the template instead", refused.Problem.Message);
    }

    [Fact]
    public void A_hidden_template_keeps_its_definition()
    {
        var template = Templates.Create();
        var later = Templates.Now.AddDays(1);

        template.Hide(later);

        Assert.True(template.Hidden);
        Assert.Equal(later, template.UpdatedAt);
        template.Show(later);
        Assert.False(template.Hidden);
        Assert.Equal(Templates.Definition(), template.Definition);
    }

    [Fact]
    public void A_new_definition_may_not_remove_versions_or_plans_that_instances_use()
    {
        var template = Templates.Create();
        var shrunk = Templates.Definition() with
        {
            Versions = [Templates.Version("17.5")],
            Plans = [Templates.Plan("small")],
        };

        var refused = template.ChangeDefinition(shrunk, StandInCheck.Passes, Templates.Now);

        Assert.Equal(["Definition.Versions", "Definition.Versions", "Definition.Plans"], Templates.Fields(refused));
        Assert.Contains("hide it instead", refused.Problem!.Causes[0].Message);
        Assert.Equal(Templates.Definition(), template.Definition);
    }

    [Fact]
    public void A_new_definition_that_keeps_every_version_and_plan_is_taken()
    {
        var template = Templates.Create();
        var changed = Templates.Definition().WithVersion(Templates.Version("17.6")) with
        {
            ObjectsTemplate = "apiVersion: v1\nkind: Secret\n",
        };

        Assert.True(template.ChangeDefinition(changed, StandInCheck.Passes, Templates.Now).Succeeded);
        Assert.Equal(changed, template.Definition);
    }

    [Fact]
    public void Details_change_with_validation()
    {
        var template = Templates.Create();

        Assert.True(
            template
                .ChangeDetails("Postgres", MiddlewareCategory.Database, "database-fill", "New.", Templates.Now)
                .Succeeded
        );
        Assert.Equal(
            ["DisplayName", "Icon"],
            Templates.Fields(template.ChangeDetails(" ", MiddlewareCategory.Cache, "Database Fill", "", Templates.Now))
        );
        Assert.Equal("database-fill", template.Icon);
    }

    [Fact]
    public void A_definition_round_trips_through_json_with_default_options()
    {
        var definition = Templates.Definition();

        var json = JsonSerializer.Serialize(definition);
        var read = JsonSerializer.Deserialize<TemplateDefinition>(json);

        Assert.Equal(definition, read);
        Assert.Contains("\"Type\":\"Choice\"", json);
        Assert.DoesNotContain("VisibleVersions", json);
    }

    [Fact]
    public void Lists_left_out_of_the_json_read_as_empty()
    {
        var read = JsonSerializer.Deserialize<TemplateDefinition>(
            """{"ObjectsTemplate":"x","Parameters":[{"Name":"a","Type":"String"}]}"""
        )!;

        Assert.Empty(read.Versions);
        Assert.Empty(read.Parameters[0].AllowedValues);
    }

    [Fact]
    public void A_definition_does_not_change_when_the_list_it_was_made_from_does()
    {
        var versions = new List<TemplateVersion> { Templates.Version("16.8") };
        var definition = Templates.Definition() with { Versions = versions };

        versions.Add(Templates.Version("16.9"));

        Assert.Single(definition.Versions);
    }
}

public sealed class MiddlewareParameterTests
{
    private static readonly TemplateDefinition Definition = Templates.Definition();

    private static Dictionary<string, string?> Values(params (string Name, string? Value)[] values) =>
        values.ToDictionary(v => v.Name, v => v.Value);

    [Fact]
    public void Defaults_fill_what_is_not_given_and_values_are_written_one_way()
    {
        var resolved = Definition.ResolveParameters(
            Values(("max_connections", " 200 "), ("ssl", "True"), ("database", ""))
        );

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["database"] = "app",
                ["max_connections"] = "200",
                ["ssl"] = "true",
                ["mode"] = "fast",
                ["comment"] = "",
            },
            resolved.Value
        );
    }

    [Fact]
    public void Every_wrong_value_is_reported_at_once_with_its_parameter()
    {
        var problems = Definition.ValidateParameters(
            Values(
                ("database", "App-DB"),
                ("max_connections", "many"),
                ("ssl", "yes"),
                ("mode", "slow"),
                ("colour", "blue")
            )
        );

        Assert.Equal(
            [
                "Parameters.colour",
                "Parameters.database",
                "Parameters.max_connections",
                "Parameters.ssl",
                "Parameters.mode",
            ],
            problems.Select(p => p.Field)
        );
        Assert.Contains("'slow' is not one of the values of 'mode': fast, safe.", problems.Select(p => p.Message));
        Assert.Contains("'max_connections' is a whole number, not 'many'.", problems.Select(p => p.Message));
    }

    [Fact]
    public void A_required_parameter_without_a_default_must_be_given()
    {
        var definition = Definition with
        {
            Parameters = [new TemplateParameter("cluster", ParameterType.String, null, [], true, "")],
        };

        var resolved = definition.ResolveParameters(Values());

        Assert.Equal("Parameters.cluster", resolved.Problem!.Field);
        Assert.Equal("'cluster' is required.", resolved.Problem.Message);
        Assert.Equal("abc", definition.ResolveParameters(Values(("cluster", "abc"))).Value["cluster"]);
    }

    [Fact]
    public void The_template_validates_parameters_through_its_definition()
    {
        var template = Templates.Create();

        Assert.Empty(template.ValidateParameters(Values(("mode", "safe"))));
        Assert.Single(template.ValidateParameters(Values(("mode", "Safe"))));
    }

    [Theory]
    [InlineData("app\n")]
    [InlineData("app\nhostNetwork: true")]
    [InlineData("app\r\n")]
    public void A_value_with_a_trailing_line_break_does_not_match_a_pattern(string value)
    {
        var problems = Definition.ValidateParameters(Values(("database", value)));

        var problem = Assert.Single(problems);
        Assert.Equal("Parameters.database", problem.Field);
        Assert.Contains("does not have the form 'database' needs", problem.Message);
    }

    [Fact]
    public void A_value_longer_than_a_parameter_may_hold_is_refused()
    {
        var longest = new string('a', TemplateDefinition.ParameterValueMaxLength);

        var problems = Definition.ValidateParameters(Values(("comment", longest + "a"), ("database", longest)));

        var problem = Assert.Single(problems);
        Assert.Equal("Parameters.comment", problem.Field);
        Assert.Equal(
            $"'comment' has at most {TemplateDefinition.ParameterValueMaxLength} characters.",
            problem.Message
        );
    }

    [Fact]
    public void A_pattern_with_its_own_anchors_or_alternatives_still_holds_the_whole_value()
    {
        var definition = Definition with
        {
            Parameters = [new TemplateParameter("name", ParameterType.String, null, [], false, "", "^[a-z]+$|x")],
        };

        Assert.Empty(definition.ValidateParameters(Values(("name", "abc"))));
        Assert.Single(definition.ValidateParameters(Values(("name", "abc\n"))));
        Assert.Single(definition.ValidateParameters(Values(("name", "x\n"))));
        Assert.Single(definition.ValidateParameters(Values(("name", "abc\nx"))));
    }

    [Fact]
    public void A_parameter_schema_is_checked_for_types_defaults_and_patterns()
    {
        var definition = Definition with
        {
            Parameters =
            [
                new TemplateParameter("Max", ParameterType.Integer, "ten", [], true, ""),
                new TemplateParameter("flag", ParameterType.Boolean, null, ["true"], false, ""),
                new TemplateParameter("pick", ParameterType.Choice, null, [], true, ""),
                new TemplateParameter("name", ParameterType.String, null, [], false, "", "[a-z"),
                new TemplateParameter("name", ParameterType.Integer, null, [], false, "", "[0-9]+"),
            ],
        };

        Assert.Equal(
            [
                "Parameters[0].Name",
                "Parameters[0].Default",
                "Parameters[1].AllowedValues",
                "Parameters[2].AllowedValues",
                "Parameters[3].Pattern",
                "Parameters[4].Name",
                "Parameters[4].Pattern",
            ],
            definition.Validate().Select(p => p.Field)
        );
    }
}
