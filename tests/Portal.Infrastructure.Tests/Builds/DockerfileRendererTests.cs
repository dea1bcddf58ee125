using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class DockerfileRendererTests
{
    private static readonly RecipeCatalog Catalog = Recipes.Catalog();

    private static IReadOnlyList<string> Command(RenderedDockerfile rendered, string keyword = "CMD")
    {
        var instruction = DockerfileShape.Read(rendered.Text!).Stages[^1].Last(i => i.Keyword == keyword);
        return DockerfileShape.ExecForm(instruction.Arguments)!;
    }

    [Fact]
    public void A_start_command_of_plain_words_becomes_the_exec_form_arguments()
    {
        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "node", ("start_command", "node server.js")));

        Assert.Equal(["node", "server.js"], Command(rendered));
        Assert.Contains("\nCMD [\"node\", \"server.js\"]\n", rendered.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_command_with_quotes_dollars_and_operators_reaches_the_shell_intact()
    {
        const string command = "node -e \"console.log('$HOME \\\\ ok')\" && echo `id` | tee /tmp/x; [ -n \"{{ x }}\" ]";

        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "node", ("start_command", command)));

        Assert.Equal(["/bin/sh", "-c", command], Command(rendered));
    }

    [Fact]
    public void A_build_command_cannot_add_an_instruction()
    {
        var chosen = Catalog.Choose(
            "node",
            new Dictionary<string, string?> { ["build_command"] = "npm run build\nUSER 0" }
        );

        Assert.Equal("Parameters.build_command", chosen.Problem!.Field);
    }

    [Fact]
    public void A_build_command_ending_in_a_backslash_does_not_join_the_next_line()
    {
        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "node", ("build_command", "npm run build \\")));

        var shape = DockerfileShape.Read(rendered.Text!);
        var run = shape.Stages[0].Last(i => i.Keyword == "RUN");
        Assert.Equal(["/bin/sh", "-c", "npm run build \\"], DockerfileShape.ExecForm(run.Arguments));
        Assert.Equal(2, shape.Stages.Count);
    }

    [Fact]
    public void The_exposed_port_is_the_chosen_one_and_the_result_says_it()
    {
        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "go", ("port", "9000")));

        Assert.Equal(9000, rendered.Port);
        Assert.Contains("\nEXPOSE 9000\n", rendered.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_last_stage_runs_as_a_numeric_non_root_user_for_every_recipe()
    {
        foreach (var recipe in Catalog.Recipes.Where(r => !r.UsesSourceDockerfile))
        {
            var values = recipe
                .Parameters.Where(p => p.Example is not null && string.IsNullOrEmpty(p.Default))
                .Where(p => p.Required || p.RequiredWhen is not null)
                .Select(p => (p.Name, p.Example!))
                .ToArray();
            var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, recipe.Name, values));

            var user = DockerfileShape.Read(rendered.Text!).Stages[^1].Last(i => i.Keyword == "USER");
            Assert.Equal("10001:10001", user.Arguments);
        }
    }

    [Fact]
    public void A_runtime_image_given_as_a_parameter_replaces_the_base_image()
    {
        var rendered = Recipes.Render(
            Catalog,
            Recipes.Choose(Catalog, "go", ("runtime_image", "gcr.io/distroless/static-debian12:nonroot"))
        );

        Assert.Equal(["golang:1.22-bookworm", "gcr.io/distroless/static-debian12:nonroot"], rendered.BaseImages);
    }

    [Fact]
    public void The_version_chosen_picks_the_base_images()
    {
        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "java-maven", ("java_version", "21")));

        Assert.Equal(["maven:3.9-eclipse-temurin-21", "eclipse-temurin:21-jre"], rendered.BaseImages);
    }

    [Fact]
    public void A_static_site_without_a_build_pulls_only_the_web_server()
    {
        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "static"));

        Assert.Equal(["busybox:1.36"], rendered.BaseImages);
        Assert.Single(DockerfileShape.Read(rendered.Text!).Stages);
    }

    [Fact]
    public void The_test_command_is_given_as_exec_arguments_for_the_builder()
    {
        var rendered = Recipes.Render(Catalog, Recipes.Choose(Catalog, "node", ("test_command", "npm test")));

        Assert.Equal(["npm", "test"], rendered.TestCommand);
        Assert.DoesNotContain("npm test", rendered.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_dockerfile_recipe_renders_nothing_and_names_the_sources_dockerfile_and_target()
    {
        var rendered = Recipes.Render(
            Catalog,
            Recipes.Choose(Catalog, "dockerfile", ("dockerfile", "docker/Dockerfile"), ("target", "app"))
        );

        Assert.Null(rendered.Text);
        Assert.Equal("docker/Dockerfile", rendered.SourceDockerfile);
        Assert.Equal("app", rendered.Target);
        Assert.Equal(8080, rendered.Port);
    }

    [Fact]
    public void Values_chosen_for_another_recipe_are_refused()
    {
        var choice = Recipes.Choose(Catalog, "go");

        var rendered = DockerfileRenderer.Render(Catalog.Find("node")!, choice, BaseImageSet.Public);

        Assert.Equal("The values were chosen for the recipe 'go', not 'node'.", rendered.Problem!.Message);
    }

    [Fact]
    public void A_template_that_writes_a_free_text_value_bare_is_refused_naming_the_output()
    {
        var recipe = Catalog.Find("go")! with
        {
            DockerfileTemplate = "FROM {{ images.runtime }}\nLABEL note={{ params.binary | append: ' $x' }}\n",
        };

        var rendered = DockerfileRenderer.Render(recipe, Recipes.Choose(Catalog, "go"), BaseImageSet.Public);

        Assert.Equal(
            "{{ params.binary | append: \" $x\" }} writes a value holding a space bare into the Dockerfile, where it "
                + "could add arguments or instructions: write {{ params.binary | append: \" $x\" | json_string }} "
                + "inside an exec-form array, or {{ params.binary | append: \" $x\" | exec_form }} "
                + "for a whole command.",
            rendered.Problem!.Message
        );
    }

    [Fact]
    public void A_json_string_keeps_quotes_and_dollars_as_they_are()
    {
        var recipe = Catalog.Find("go")! with
        {
            DockerfileTemplate =
                "FROM {{ images.runtime }}\nWORKDIR /app\nUSER 1\nEXPOSE {{ params.port }}\n"
                + "ENTRYPOINT [\"/app/run\", {{ params.binary | append: ' \"q\" $c' | json_string }}]\n",
        };

        var rendered = DockerfileRenderer.Render(recipe, Recipes.Choose(Catalog, "go"), BaseImageSet.Public);

        Assert.True(rendered.Succeeded, Recipes.Describe(rendered.Problem));
        Assert.Equal(["/app/run", "app \"q\" $c"], Command(rendered.Value, "ENTRYPOINT"));
    }
}
