using System.Globalization;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// Every recipe rendered with representative values, on production's public base images and on the embedded mode's
/// local ones, compared with the reviewed files in Builds/Recipes/.
/// </summary>
public sealed class RecipeGoldenTests
{
    /// <summary>Recipe, case, whether on the local base images, and the values given.</summary>
    public static TheoryData<string, string, bool, string> Cases() =>
        new()
        {
            { "java-jar", "defaults", false, "main_class=com.example.App" },
            { "java-jar", "local", true, "main_class=App|source_dir=.|port=8081" },
            { "java-maven", "defaults", false, "" },
            { "java-maven", "wrapper-java21", false, "java_version=21|build_command=./mvnw -B -DskipTests package" },
            { "java-maven", "local", true, "" },
            { "java-gradle", "defaults", false, "" },
            { "java-gradle", "local-wrapper", true, "build_command=./gradlew build -x test --no-daemon --offline" },
            {
                "java-gradle",
                "wrapper-custom-jar",
                false,
                "build_command=./gradlew bootJar --no-daemon|artifact=build/libs/app-*.jar|port=9090"
            },
            { "node", "npm", false, "" },
            { "node", "local", true, "install_command=npm install|start_command=node server.js" },
            {
                "node",
                "yarn-with-build",
                false,
                "package_manager=yarn|node_version=22|build_command=yarn run build|start_command=yarn start"
            },
            {
                "node",
                "pnpm-custom-install",
                false,
                "package_manager=pnpm|install_command=pnpm install --prod=false|start_command=node dist/main.js"
            },
            {
                "node",
                "shell-start",
                false,
                "start_command=NODE_OPTIONS=\"--max-old-space-size=256\" node server.js && echo \"$HOME\"|port=8080"
            },
            { "go", "defaults", false, "" },
            { "go", "cmd-server", false, "go_version=1.23|package=cmd/server|binary=api|port=9000" },
            { "go", "local", true, "binary=hello" },
            { "python", "gunicorn", false, "server=gunicorn|app_module=app:app" },
            {
                "python",
                "uvicorn-pyproject",
                false,
                "dependencies=pyproject|server=uvicorn|app_module=service.main:app|python_version=3.11"
            },
            { "python", "command-no-dependencies", false, "dependencies=none|start_command=python app.py" },
            { "python", "local", true, "start_command=python -m http.server 8000" },
            { "static", "files", false, "" },
            { "static", "node-build", false, "build_command=npm run build|site_dir=dist|install_command=npm install" },
            { "static", "local", true, "site_dir=public" },
            { "dockerfile", "defaults", false, "" },
            { "dockerfile", "path-and-target", false, "dockerfile=docker/Dockerfile.prod|target=runtime|port=3000" },
        };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_recipe_renders_what_was_reviewed(string recipe, string name, bool local, string values)
    {
        var catalog = Recipes.Catalog(local ? Recipes.LocalSet() : BaseImageSet.Public);
        var given = values
            .Split('|', StringSplitOptions.RemoveEmptyEntries)
            .Select(v => (v[..v.IndexOf('=')], v[(v.IndexOf('=') + 1)..]))
            .ToArray();
        var choice = Recipes.Choose(catalog, recipe, given);

        var rendered = Recipes.Render(catalog, choice);

        var text = rendered.Text
            ?? $"# The source's own Dockerfile, built as it is.\ndockerfile: {rendered.SourceDockerfile}\n"
                + $"target: {rendered.Target ?? "(the last stage)"}\n"
                + $"port: {rendered.Port.ToString(CultureInfo.InvariantCulture)}\n";
        var extension = rendered.Text is null ? "txt" : "Dockerfile";
        Assert.Null(RecipeGolden.Check($"{recipe}.{name}.{extension}", text));
    }

    [Fact]
    public void Every_recipe_has_golden_cases_on_public_and_local_base_images()
    {
        var cases = Cases().Select(c => ((string)c[0], (bool)c[2])).ToHashSet();

        foreach (var recipe in Recipes.Catalog().Recipes)
        {
            Assert.Contains((recipe.Name, false), cases);
            if (!recipe.UsesSourceDockerfile)
                Assert.Contains((recipe.Name, true), cases);
        }
    }
}
