using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class RecipeCatalogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("recipes-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private const string Good = """
        name: tiny
        title: Tiny
        description: A recipe for tests.
        detects: [tiny.txt]
        images:
          runtime: { base: busybox }
        parameters:
          - name: start_command
            title: Start command
            type: Command
            default: busybox httpd -f
            required: true
            help: What starts it.
          - name: port
            title: Port
            type: Port
            default: "8080"
            required: true
            help: Where it listens.
        dockerfile: |
          FROM {{ images.runtime }}
          WORKDIR /app
          USER 10001:10001
          EXPOSE {{ params.port }}
          CMD {{ params.start_command | exec_form }}
        """;

    private string Write(string fileName, string text)
    {
        File.WriteAllText(Path.Combine(_directory, fileName), text);
        return fileName;
    }

    private string Refusal()
    {
        var loaded = RecipeCatalog.Load(_directory, BaseImageSet.Public);
        Assert.False(loaded.Succeeded, "the recipes were taken");
        return Recipes.Describe(loaded.Problem);
    }

    [Fact]
    public void The_shipped_recipes_load_and_prove_to_render()
    {
        var catalog = Recipes.Catalog();

        Assert.Equal(
            ["dockerfile", "go", "java-gradle", "java-jar", "java-maven", "node", "python", "static"],
            catalog.Recipes.Select(r => r.Name)
        );
    }

    [Fact]
    public void Local_base_images_without_a_configured_registry_are_named_in_the_portals_registry_once_it_is_known()
    {
        var local = BaseImageSet.Local(Recipes.LocalImages(), BaseImageSet.RegistryPlaceholder);
        string? started = null;
        var catalog = Recipes.Catalog(local).UsingRegistry(() => started);
        var choice = Recipes.Choose(catalog, "static");

        var before = catalog.Render(choice);
        started = "127.0.0.1:41234";
        var after = catalog.Render(choice);

        Assert.Contains("whose address is not known yet", before.Problem?.Message, StringComparison.Ordinal);
        Assert.True(after.Succeeded, after.Problem?.Message);
        Assert.Contains("FROM 127.0.0.1:41234/base/busybox:1.35", after.Value.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sound_recipe_file_loads()
    {
        Write("tiny.yaml", Good);

        var catalog = RecipeCatalog.Load(_directory, BaseImageSet.Public);

        Assert.True(catalog.Succeeded, Recipes.Describe(catalog.Problem));
        Assert.Equal("Tiny", catalog.Value.Find("tiny")!.Title);
    }

    [Fact]
    public void An_unknown_key_is_refused_with_the_file_and_line()
    {
        Write("tiny.yaml", Good.Replace("title: Tiny", "title: Tiny\ntitel: Tiny", StringComparison.Ordinal));

        Assert.StartsWith("tiny.yaml: tiny.yaml, line 3: Property 'titel' not found", Refusal());
    }

    [Fact]
    public void A_file_named_after_another_recipe_is_refused()
    {
        Write("small.yaml", Good);

        Assert.Contains("a recipe file is named after its recipe ('tiny.yaml')", Refusal(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_that_writes_a_command_bare_is_refused_naming_the_file_and_the_fix()
    {
        Write(
            "tiny.yaml",
            Good.Replace(
                "{{ params.start_command | exec_form }}",
                "{{ params.start_command }}",
                StringComparison.Ordinal
            )
        );

        var refusal = Refusal();

        Assert.Contains("tiny.yaml: DockerfileTemplate: With the defaults:", refusal, StringComparison.Ordinal);
        Assert.Contains(
            "{{ params.start_command }} writes a value holding a space bare into the Dockerfile",
            refusal,
            StringComparison.Ordinal
        );
        Assert.Contains("{{ params.start_command | exec_form }}", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_whose_image_runs_as_root_is_refused()
    {
        Write("tiny.yaml", Good.Replace("USER 10001:10001", "USER root", StringComparison.Ordinal));

        Assert.Contains(
            "The last stage must run as a numeric user other than root (USER 10001:10001), not 'root'.",
            Refusal(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_template_that_does_not_expose_the_port_is_refused()
    {
        Write("tiny.yaml", Good.Replace("EXPOSE {{ params.port }}", "EXPOSE 80", StringComparison.Ordinal));

        Assert.Contains("does not EXPOSE the port 8080", Refusal(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_whose_command_is_in_shell_form_is_refused()
    {
        Write(
            "tiny.yaml",
            Good.Replace("CMD {{ params.start_command | exec_form }}", "CMD busybox httpd -f", StringComparison.Ordinal)
        );

        Assert.Contains("no ENTRYPOINT or CMD in exec form", Refusal(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_using_a_name_it_does_not_have_is_refused()
    {
        Write("tiny.yaml", Good.Replace("{{ params.port }}", "{{ params.prot }}", StringComparison.Ordinal));

        Assert.Contains(
            "'params.prot' is not defined: it has port, start_command.",
            Refusal(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_base_image_the_settings_do_not_name_is_refused()
    {
        Write("tiny.yaml", Good.Replace("base: busybox", "base: alpine", StringComparison.Ordinal));

        Assert.Contains("No base image is named 'alpine' in the settings", Refusal(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_parameter_default_out_of_range_is_refused()
    {
        Write("tiny.yaml", Good.Replace("default: \"8080\"", "default: \"0\"", StringComparison.Ordinal));

        Assert.Contains(
            "tiny.yaml: Parameters[1].Default: The default does not fit: 'port' is at least 1, not 0.",
            Refusal(),
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void Every_broken_file_is_named_at_once()
    {
        Write("tiny.yaml", Good.Replace("type: Port", "type: Socket", StringComparison.Ordinal));
        Write("other.yaml", "name: other\n");

        var refusal = Refusal();

        Assert.Contains(
            "tiny.yaml: Parameters[1].Type: 'Socket' is not a parameter type",
            refusal,
            StringComparison.Ordinal
        );
        Assert.Contains("other.yaml: Title:", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_with_broken_recipes_stops_with_every_problem()
    {
        Write("tiny.yaml", Good.Replace("USER 10001:10001", "USER 0", StringComparison.Ordinal));

        var error = Assert.Throws<InvalidOperationException>(() =>
            RecipeCatalog.FromSettings(new RecipeOptions { Directory = _directory }, new BaseImageOptions())
        );

        Assert.StartsWith($"The recipes in {_directory} are broken:", error.Message);
        Assert.Contains("tiny.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains("not '0'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_start_without_the_recipe_folder_stops()
    {
        var missing = Path.Combine(_directory, "nowhere");

        var error = Assert.Throws<InvalidOperationException>(() =>
            RecipeCatalog.FromSettings(new RecipeOptions { Directory = missing }, new BaseImageOptions())
        );

        Assert.Contains($"The recipe folder '{missing}' was not found.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("node", "node_version", "20", "18")]
    [InlineData("static", "node_version", "20", "18")]
    [InlineData("go", "go_version", "1.22", "1.19")]
    [InlineData("python", "python_version", "3.12", "3.11")]
    [InlineData("java-maven", "java_version", "17", "17")]
    public void A_version_defaults_to_what_the_base_images_offer(
        string recipe,
        string parameter,
        string inProduction,
        string embedded
    )
    {
        Assert.Equal(inProduction, Recipes.Catalog().Find(recipe)!.FindParameter(parameter)!.Default);
        Assert.Equal(embedded, Recipes.Catalog(Recipes.LocalSet()).Find(recipe)!.FindParameter(parameter)!.Default);
    }

    [Fact]
    public void Settings_replace_a_base_image_and_its_version()
    {
        var options = new BaseImageOptions
        {
            Images =
            {
                ["node"] = new BaseImageSetting
                {
                    Image = "registry.example.com/node:{version}-hardened",
                    Version = "22",
                },
            },
        };
        var catalog = Recipes.Catalog(options.Resolve(AppContext.BaseDirectory).Value);

        var rendered = Recipes.Render(catalog, Recipes.Choose(catalog, "node"));

        Assert.Equal(["registry.example.com/node:22-hardened"], rendered.BaseImages);
    }

    [Fact]
    public void Local_settings_read_the_local_base_image_file_and_name_the_registry()
    {
        var options = new BaseImageOptions
        {
            Source = BaseImageSource.Local,
            Registry = "127.0.0.1:5999",
            LocalImagesFile = Path.Combine(Recipes.CatalogDirectory(), "base-images", "bookworm.yaml"),
        };
        var catalog = Recipes.Catalog(options.Resolve(AppContext.BaseDirectory).Value);

        var rendered = Recipes.Render(catalog, Recipes.Choose(catalog, "go"));

        Assert.Equal(["127.0.0.1:5999/base/go:1.19", "127.0.0.1:5999/base/debian:12"], rendered.BaseImages);
    }

    [Fact]
    public void A_local_image_before_the_registry_is_known_says_so()
    {
        var options = new BaseImageOptions
        {
            Source = BaseImageSource.Local,
            LocalImagesFile = Path.Combine(Recipes.CatalogDirectory(), "base-images", "bookworm.yaml"),
        };
        var catalog = Recipes.Catalog(options.Resolve(AppContext.BaseDirectory).Value);

        var rendered = catalog.Render(Recipes.Choose(catalog, "static"));

        Assert.Contains(
            "whose address is not known yet (Portal:Builds:BaseImages:Registry)",
            rendered.Problem!.Message,
            StringComparison.Ordinal
        );
    }

    [Fact]
    public void A_base_image_setting_that_is_not_an_image_reference_is_refused_at_start()
    {
        var options = new BaseImageOptions { Images = { ["node"] = new BaseImageSetting { Image = "node 20" } } };

        Assert.Equal(
            "Portal:Builds:BaseImages:Images:node:Image 'node 20' is not an image reference.",
            options.Invalid()
        );
        Assert.Null(new BaseImageOptions().Invalid());
    }

    [Fact]
    public void Local_settings_without_their_file_are_refused()
    {
        var options = new BaseImageOptions
        {
            Source = BaseImageSource.Local,
            LocalImagesFile = Path.Combine(_directory, "missing.yaml"),
        };

        Assert.Contains("missing.yaml' was not found", options.Resolve(_directory).Problem!.Message);
    }

    [Fact]
    public void An_unknown_recipe_is_not_found()
    {
        var chosen = Recipes.Catalog().Choose("cobol", new Dictionary<string, string?>());

        Assert.Equal("The recipe 'cobol' was not found.", chosen.Problem!.Message);
    }
}
