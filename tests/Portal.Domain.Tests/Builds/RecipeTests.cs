using Portal.Domain.Builds;

namespace Portal.Domain.Tests.Builds;

/// <summary>A small sound recipe to change one thing at a time.</summary>
internal static class SampleRecipe
{
    public static Recipe Create(params RecipeParameter[] extra) =>
        new(
            "node",
            "Node.js",
            "Runs a Node.js application.",
            ["package.json"],
            [
                new RecipeParameter(
                    "node_version",
                    RecipeParameterType.Version,
                    "Node.js version",
                    "The major version.",
                    "20",
                    Pattern: "[0-9]{2}"
                ),
                new RecipeParameter(
                    "start_command",
                    RecipeParameterType.Command,
                    "Start command",
                    "What starts it.",
                    "npm start",
                    Required: true
                ),
                new RecipeParameter("build_command", RecipeParameterType.Command, "Build command", "What builds it."),
                new RecipeParameter(
                    "manager",
                    RecipeParameterType.Choice,
                    "Package manager",
                    "Which one.",
                    "npm",
                    true,
                    AllowedValues: ["npm", "yarn"]
                ),
                new RecipeParameter(
                    "yarn_flags",
                    RecipeParameterType.Text,
                    "Yarn flags",
                    "For yarn only.",
                    RequiredWhen: new RecipeCondition("manager", ["yarn"])
                ),
                new RecipeParameter("package", RecipeParameterType.Path, "Package", "Where it is.", "."),
                new RecipeParameter(
                    "runtime_image",
                    RecipeParameterType.Image,
                    "Runtime image",
                    "Instead of the base."
                ),
                new RecipeParameter(
                    "workers",
                    RecipeParameterType.Integer,
                    "Workers",
                    "How many.",
                    "2",
                    Min: 1,
                    Max: 16
                ),
                new RecipeParameter("port", RecipeParameterType.Port, "Port", "Where it listens.", Required: true),
                .. extra,
            ],
            new RecipeImage("node", "node_version"),
            new RecipeImage("node", "node_version"),
            "FROM {{ images.runtime }}\n"
        );

    /// <summary>The values given, a later one of the same name replacing an earlier one.</summary>
    public static IReadOnlyDictionary<string, string?> Values(params (string Name, string? Value)[] values)
    {
        var given = new Dictionary<string, string?>();
        foreach (var (name, value) in values)
            given[name] = value;
        return given;
    }
}

public sealed class RecipeTests
{
    private static readonly Recipe Recipe = SampleRecipe.Create();

    private static string Refusal(params (string Name, string? Value)[] values)
    {
        var chosen = Recipe.Choose(SampleRecipe.Values([("port", "8080"), .. values]));
        Assert.False(chosen.Succeeded, "the values were taken");
        var problem = Assert.Single(chosen.Problem!.Causes.Count > 0 ? chosen.Problem.Causes : [chosen.Problem]);
        return $"{problem.Field}: {problem.Message}";
    }

    [Fact]
    public void The_sample_recipe_is_sound()
    {
        Assert.Empty(Recipe.Validate());
    }

    [Fact]
    public void Values_left_empty_take_the_defaults_and_optional_ones_stay_empty()
    {
        var choice = Recipe.Choose(SampleRecipe.Values(("port", "8080"), ("build_command", "  "))).Value;

        Assert.Equal("node", choice.Recipe);
        Assert.Equal("20", choice.Values["node_version"]);
        Assert.Equal("npm start", choice.Values["start_command"]);
        Assert.Equal("", choice.Values["build_command"]);
        Assert.Null(choice.Value("build_command"));
        Assert.Equal(8080, choice.Port);
    }

    [Fact]
    public void A_missing_required_port_is_an_error_never_a_default_zero()
    {
        var chosen = Recipe.Choose(SampleRecipe.Values());

        Assert.False(chosen.Succeeded);
        Assert.Equal("Parameters.port", chosen.Problem!.Field);
        Assert.Equal("'port' (Port) is required: give a value.", chosen.Problem.Message);
    }

    [Theory]
    [InlineData("0", "'port' is at least 1, not 0.")]
    [InlineData("65536", "'port' is at most 65535, not 65536.")]
    [InlineData("-80", "'port' is at least 1, not -80.")]
    [InlineData("80.5", "'port' is a whole number, not '80.5'.")]
    [InlineData("+80", "'port' is a whole number, not '+80'.")]
    [InlineData("http", "'port' is a whole number, not 'http'.")]
    public void A_port_outside_1_to_65535_is_refused_naming_the_parameter(string port, string message)
    {
        Assert.Equal($"Parameters.port: {message}", Refusal(("port", port)));
    }

    [Fact]
    public void Numbers_are_written_the_one_way_templates_expect()
    {
        var choice = Recipe.Choose(SampleRecipe.Values(("port", "08080"), ("workers", "004"))).Value;

        Assert.Equal("8080", choice.Values["port"]);
        Assert.Equal("4", choice.Values["workers"]);
    }

    [Theory]
    [InlineData("0", "'workers' is at least 1, not 0.")]
    [InlineData("17", "'workers' is at most 16, not 17.")]
    public void An_integer_outside_its_bounds_is_refused(string workers, string message)
    {
        Assert.Equal($"Parameters.workers: {message}", Refusal(("workers", workers)));
    }

    [Theory]
    [InlineData("npm start\nRUN rm -rf /")]
    [InlineData("npm\rstart")]
    [InlineData("npm\u2028start")]
    public void A_command_with_a_line_break_is_refused(string command)
    {
        Assert.Equal(
            "Parameters.start_command: 'start_command' must be one line: it holds a line break.",
            Refusal(("start_command", command))
        );
    }

    [Fact]
    public void A_command_with_a_nul_is_refused()
    {
        Assert.Equal(
            "Parameters.start_command: 'start_command' holds a NUL character.",
            Refusal(("start_command", "npm\0start"))
        );
    }

    [Fact]
    public void A_command_is_free_text_on_one_line()
    {
        const string command = "NODE_OPTIONS=\"--max-old-space-size=256\" node server.js && echo '$HOME' | tee x";

        var choice = Recipe.Choose(SampleRecipe.Values(("port", "8080"), ("start_command", command))).Value;

        Assert.Equal(command, choice.Values["start_command"]);
    }

    [Fact]
    public void A_command_longer_than_1000_characters_is_refused()
    {
        Assert.Equal(
            "Parameters.build_command: 'build_command' has at most 1000 characters, not 1001.",
            Refusal(("build_command", new string('x', 1001)))
        );
    }

    [Theory]
    [InlineData("v20")]
    [InlineData("2")]
    [InlineData("20; rm")]
    public void A_version_that_does_not_match_its_pattern_is_refused(string version)
    {
        Assert.StartsWith("Parameters.node_version: '", Refusal(("node_version", version)));
    }

    [Theory]
    [InlineData("../other", "'package' may not climb out of the source with '..'.")]
    [InlineData("cmd/../../etc", "'package' may not climb out of the source with '..'.")]
    [InlineData("/etc", "'package' is a path inside the source: write it without a leading '/', like 'cmd/server'.")]
    [InlineData(
        "cmd//server",
        "'package' has an empty part: write it like 'cmd/server', without '//' or a trailing '/'."
    )]
    [InlineData("cmd/$HOME", "'package' holds a character a path here may not: use letters, digits and '._-/*'.")]
    public void A_path_out_of_the_source_or_with_odd_characters_is_refused(string path, string message)
    {
        Assert.Equal($"Parameters.package: {message}", Refusal(("package", path)));
    }

    [Fact]
    public void A_choice_outside_its_values_is_refused()
    {
        Assert.Equal(
            "Parameters.manager: 'pnpm' is not one of the values of 'manager': npm, yarn.",
            Refusal(("manager", "pnpm"))
        );
    }

    [Fact]
    public void An_image_that_is_not_a_reference_is_refused()
    {
        Assert.StartsWith(
            "Parameters.runtime_image: 'runtime_image': Image 'node 20' contains a space",
            Refusal(("runtime_image", "node 20"))
        );
    }

    [Fact]
    public void A_parameter_required_by_another_ones_value_is_required_only_then()
    {
        Assert.True(Recipe.Choose(SampleRecipe.Values(("port", "8080"))).Succeeded);
        Assert.Equal(
            "Parameters.yarn_flags: 'yarn_flags' (Yarn flags) is required when 'manager' is 'yarn': give a value.",
            Refusal(("manager", "yarn"))
        );
    }

    [Fact]
    public void A_name_the_recipe_does_not_have_is_refused()
    {
        Assert.Equal("Parameters.prot: 'prot' is not a parameter of the recipe 'node'.", Refusal(("prot", "80")));
    }

    [Fact]
    public void Every_wrong_value_is_reported_at_once()
    {
        var chosen = Recipe.Choose(SampleRecipe.Values(("port", "0"), ("node_version", "x"), ("package", "..")));

        Assert.Equal(
            ["Parameters.node_version", "Parameters.package", "Parameters.port"],
            chosen.Problem!.Causes.Select(c => c.Field).Order()
        );
    }

    [Fact]
    public void A_recipe_without_a_required_port_is_not_sound()
    {
        var recipe = Recipe with { Parameters = Recipe.Parameters.Where(p => p.Name != "port").ToList() };

        var problem = Assert.Single(recipe.Validate());

        Assert.Equal("Parameters", problem.Field);
        Assert.Contains("required parameter 'port' of type Port", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_default_that_does_not_fit_its_parameter_is_not_sound()
    {
        var recipe = SampleRecipe.Create(
            new RecipeParameter("workers_max", RecipeParameterType.Port, "Max", "Most.", "70000")
        );

        var problem = Assert.Single(recipe.Validate());

        Assert.Equal("Parameters[9].Default", problem.Field);
        Assert.Equal("The default does not fit: 'workers_max' is at most 65535, not 70000.", problem.Message);
    }

    [Fact]
    public void A_pattern_that_is_not_a_regular_expression_is_not_sound()
    {
        var recipe = SampleRecipe.Create(
            new RecipeParameter("main", RecipeParameterType.Text, "Main", "It.", Pattern: "[a-")
        );

        Assert.Equal("Parameters[9].Pattern", Assert.Single(recipe.Validate()).Field);
    }

    [Fact]
    public void An_image_whose_version_parameter_is_missing_is_not_sound()
    {
        var recipe = Recipe with { BuildImage = new RecipeImage("node", "nodejs_version") };

        Assert.Equal("BuildImage.Version", Assert.Single(recipe.Validate()).Field);
    }

    [Fact]
    public void A_condition_on_a_parameter_that_is_not_a_choice_is_not_sound()
    {
        var recipe = SampleRecipe.Create(
            new RecipeParameter(
                "extra",
                RecipeParameterType.Text,
                "Extra",
                "It.",
                RequiredWhen: new RecipeCondition("node_version", ["20"])
            )
        );

        Assert.Equal("Parameters[9].RequiredWhen", Assert.Single(recipe.Validate()).Field);
    }

    [Theory]
    [InlineData("Start")]
    [InlineData("start-command")]
    [InlineData("1st")]
    public void A_parameter_name_liquid_cannot_read_is_not_sound(string name)
    {
        var recipe = SampleRecipe.Create(new RecipeParameter(name, RecipeParameterType.Text, "Name", "It."));

        Assert.Equal("Parameters[9].Name", Assert.Single(recipe.Validate()).Field);
    }

    [Fact]
    public void A_parameter_listed_twice_is_not_sound()
    {
        var recipe = SampleRecipe.Create(new RecipeParameter("port", RecipeParameterType.Port, "Port", "Again.", "80"));

        Assert.Equal("Parameter 'port' is listed twice.", Assert.Single(recipe.Validate()).Message);
    }

    [Fact]
    public void A_recipe_that_builds_the_sources_own_dockerfile_has_no_template_and_needs_no_image()
    {
        var recipe = Recipe with { DockerfileTemplate = null, BuildImage = null, RuntimeImage = null };

        Assert.True(recipe.UsesSourceDockerfile);
        Assert.Empty(recipe.Validate());
    }

    [Fact]
    public void A_choice_saved_as_json_reads_back_the_same()
    {
        var choice = Recipe.Choose(SampleRecipe.Values(("port", "8080"), ("build_command", "npm run build"))).Value;

        var read = System.Text.Json.JsonSerializer.Deserialize<RecipeChoice>(
            System.Text.Json.JsonSerializer.Serialize(choice)
        )!;

        Assert.Equal(choice.Recipe, read.Recipe);
        Assert.Equal(choice.Values, read.Values);
        Assert.Equal(8080, read.Port);
    }

    [Fact]
    public void Another_default_replaces_the_files_one()
    {
        var recipe = Recipe.WithDefault("node_version", "18");

        Assert.Equal("18", recipe.Choose(SampleRecipe.Values(("port", "1"))).Value.Values["node_version"]);
    }
}
