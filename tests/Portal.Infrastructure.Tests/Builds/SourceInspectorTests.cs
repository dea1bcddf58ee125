using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>A source tree written by a test, and another folder beside it that links may point into.</summary>
internal sealed class SourceFixture : IDisposable
{
    private readonly string _top = Directory.CreateTempSubdirectory("inspect-").FullName;

    public SourceFixture()
    {
        Root = Path.Combine(_top, "source");
        Outside = Path.Combine(_top, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
    }

    public string Root { get; }

    /// <summary>A folder outside the source, holding what no inspection may read.</summary>
    public string Outside { get; }

    public SourceFixture Write(string path, string text)
    {
        var full = Path.Combine(Root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
        return this;
    }

    public SourceFixture Link(string path, string target)
    {
        var full = Path.Combine(Root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.CreateSymbolicLink(full, target);
        return this;
    }

    public void Dispose() => Directory.Delete(_top, recursive: true);
}

public sealed class SourceInspectorTests : IDisposable
{
    private static readonly RecipeCatalog Catalog = Recipes.Catalog();
    private readonly SourceFixture _source = new();

    public void Dispose() => _source.Dispose();

    private SourceInspection Inspect(string? subdirectory = null)
    {
        var inspection = new SourceInspector(Catalog).Inspect(_source.Root, subdirectory);
        Assert.True(inspection.Succeeded, Recipes.Describe(inspection.Problem));
        foreach (
            var proposal in inspection.Value.Alternatives.Prepend(inspection.Value.Proposal).OfType<RecipeProposal>()
        )
        {
            var chosen = Catalog.Choose(
                proposal.Recipe,
                proposal.Values.ToDictionary(v => v.Key, v => (string?)v.Value)
            );
            Assert.True(chosen.Succeeded, $"{proposal.Recipe}: {Recipes.Describe(chosen.Problem)}");
        }
        return inspection.Value;
    }

    private RecipeProposal Proposed(string recipe, string? subdirectory = null)
    {
        var inspection = Inspect(subdirectory);
        Assert.NotNull(inspection.Proposal);
        Assert.Equal(recipe, inspection.Proposal.Recipe);
        return inspection.Proposal;
    }

    [Fact]
    public void A_node_application_with_a_start_script_and_an_npm_lockfile()
    {
        _source
            .Write(
                "package.json",
                """{ "name": "shop", "scripts": { "start": "node server.js", "test": "node --test" } }"""
            )
            .Write("package-lock.json", "{}")
            .Write("server.js", "require('http').createServer().listen(process.env.PORT || 3000);");

        var proposal = Proposed("node");

        Assert.Equal("npm", proposal.Values["package_manager"]);
        Assert.Equal("npm start", proposal.Values["start_command"]);
        Assert.Equal("npm test", proposal.Values["test_command"]);
        Assert.False(proposal.Values.ContainsKey("install_command"));
        Assert.False(proposal.Values.ContainsKey("build_command"));
        Assert.Equal("3000", proposal.Values["port"]);
        Assert.Contains("package.json with scripts.start", proposal.Reasons);
        Assert.Contains("package-lock.json picks npm", proposal.Reasons);
    }

    [Fact]
    public void A_node_application_started_from_main_with_yarn_and_an_engine()
    {
        _source
            .Write("package.json", """{ "main": "src/app.js", "engines": { "node": ">=18.0.0" } }""")
            .Write("yarn.lock", "")
            .Write("src/app.js", "app.listen(8080)");

        var proposal = Proposed("node");

        Assert.Equal("yarn", proposal.Values["package_manager"]);
        Assert.Equal("node src/app.js", proposal.Values["start_command"]);
        Assert.Equal("18", proposal.Values["node_version"]);
        Assert.Equal("8080", proposal.Values["port"]);
        Assert.Contains("package.json with main (src/app.js)", proposal.Reasons);
        Assert.Contains("engines.node is '>=18.0.0'", proposal.Reasons);
    }

    [Fact]
    public void A_node_application_without_a_lockfile_installs_with_npm_install_and_builds_with_pnpm_when_it_says()
    {
        _source.Write("package.json", """{ "scripts": { "start": "node dist/main.js", "build": "tsc" } }""");

        var npm = Proposed("node");
        _source.Write("pnpm-lock.yaml", "lockfileVersion: '9.0'");
        var pnpm = Proposed("node");

        Assert.Equal("npm install", npm.Values["install_command"]);
        Assert.Contains("no lockfile, so npm install rather than npm ci", npm.Reasons);
        Assert.Equal("pnpm", pnpm.Values["package_manager"]);
        Assert.Equal("pnpm run build", pnpm.Values["build_command"]);
        Assert.Equal("pnpm start", pnpm.Values["start_command"]);
    }

    [Fact]
    public void A_package_json_that_only_builds_is_a_static_site_built_into_dist()
    {
        _source
            .Write("package.json", """{ "scripts": { "build": "vite build", "dev": "vite" } }""")
            .Write("package-lock.json", "{}")
            .Write("index.html", "<!doctype html>");

        var inspection = Inspect();

        Assert.Equal("static", inspection.Proposal!.Recipe);
        Assert.Equal("dist", inspection.Proposal.Values["site_dir"]);
        Assert.Equal("npm run build", inspection.Proposal.Values["build_command"]);
        Assert.Equal("npm ci", inspection.Proposal.Values["install_command"]);
        Assert.StartsWith("package.json with scripts.build and neither", inspection.Proposal.Reasons[0]);
    }

    [Fact]
    public void A_package_json_that_does_not_parse_still_proposes_node_and_says_so()
    {
        _source.Write("package.json", "{ \"scripts\": ").Write("index.js", "");

        var proposal = Proposed("node");

        Assert.Contains("package.json at the top of the source (it does not parse as JSON)", proposal.Reasons);
        Assert.Equal("node index.js", proposal.Values["start_command"]);
    }

    [Fact]
    public void A_go_module_names_the_binary_and_the_version_and_finds_the_port()
    {
        _source
            .Write("go.mod", "module example.com/acme/hello-api\n\ngo 1.22.3\n")
            .Write("main.go", "package main\n\nfunc main() { http.ListenAndServe(\":8081\", nil) }\n")
            .Write("main_test.go", "package main\n");

        var proposal = Proposed("go");

        Assert.Equal("hello-api", proposal.Values["binary"]);
        Assert.Equal("1.22", proposal.Values["go_version"]);
        Assert.Equal(".", proposal.Values["package"]);
        Assert.Equal("8081", proposal.Values["port"]);
        Assert.Contains("go.mod names the module example.com/acme/hello-api", proposal.Reasons);
    }

    [Fact]
    public void A_go_module_with_its_main_package_under_cmd()
    {
        _source
            .Write("go.mod", "module github.com/acme/tool\n\ngo 1.21\n")
            .Write("internal/store/store.go", "package store\n")
            .Write("cmd/server/main.go", "package main\n\nfunc main() {}\n");

        var proposal = Proposed("go");

        Assert.Equal("cmd/server", proposal.Values["package"]);
        Assert.Contains("package main in cmd/server", proposal.Reasons);
    }

    [Fact]
    public void A_flask_application_served_by_gunicorn()
    {
        _source
            .Write("requirements.txt", "Flask==3.0.3\ngunicorn>=22 ; sys_platform != 'win32'\n# comment\n")
            .Write("app.py", "from flask import Flask\n\napp = Flask(__name__)\n");

        var proposal = Proposed("python");

        Assert.Equal("requirements", proposal.Values["dependencies"]);
        Assert.Equal("gunicorn", proposal.Values["server"]);
        Assert.Equal("app:app", proposal.Values["app_module"]);
        Assert.Contains(
            "gunicorn among the dependencies serves a WSGI application: app.py defines app = Flask(…)",
            proposal.Reasons
        );
    }

    [Fact]
    public void A_fastapi_project_from_pyproject_served_by_uvicorn()
    {
        _source
            .Write(
                "pyproject.toml",
                "[project]\nname = \"svc\"\nrequires-python = \">=3.11\"\n"
                    + "dependencies = [\"fastapi>=0.110\", \"uvicorn[standard]==0.30.1\"]\n"
            )
            .Write("main.py", "from fastapi import FastAPI\napi = FastAPI()\n");

        var proposal = Proposed("python");

        Assert.Equal("pyproject", proposal.Values["dependencies"]);
        Assert.Equal("3.11", proposal.Values["python_version"]);
        Assert.Equal("uvicorn", proposal.Values["server"]);
        Assert.Equal("main:api", proposal.Values["app_module"]);
    }

    [Fact]
    public void A_django_project_served_by_gunicorn_from_its_wsgi_module()
    {
        _source
            .Write("requirements.txt", "django\ngunicorn\n")
            .Write("manage.py", "")
            .Write(
                "mysite/wsgi.py",
                "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
            );

        var proposal = Proposed("python");

        Assert.Equal("gunicorn", proposal.Values["server"]);
        Assert.Equal("mysite.wsgi:application", proposal.Values["app_module"]);
    }

    [Fact]
    public void A_python_program_with_no_dependencies_runs_with_python_on_its_port()
    {
        _source
            .Write("app.py", "from http.server import HTTPServer\nHTTPServer((\"\", 8000), Handler).serve_forever()\n")
            .Write(".python-version", "3.12.4\n");

        var proposal = Proposed("python");

        Assert.Equal("none", proposal.Values["dependencies"]);
        Assert.Equal("command", proposal.Values["server"]);
        Assert.Equal("python app.py", proposal.Values["start_command"]);
        Assert.Equal("8000", proposal.Values["port"]);
        Assert.Equal("3.12", proposal.Values["python_version"]);
    }

    [Fact]
    public void A_maven_project_with_its_wrapper_and_java_release()
    {
        _source
            .Write(
                "pom.xml",
                "<project><properties><maven.compiler.release>21</maven.compiler.release></properties></project>"
            )
            .Write("mvnw", "#!/bin/sh")
            .Write("src/main/resources/application.properties", "spring.application.name=x\nserver.port=8085\n")
            .Write("src/main/java/com/example/App.java", "public class App { public static void main(String[] a) {} }");

        var inspection = Inspect();

        Assert.Equal("java-maven", inspection.Proposal!.Recipe);
        Assert.Equal("21", inspection.Proposal.Values["java_version"]);
        Assert.Equal("./mvnw -B -DskipTests package", inspection.Proposal.Values["build_command"]);
        Assert.Equal("8085", inspection.Proposal.Values["port"]);
        Assert.Contains(inspection.Alternatives, a => a.Recipe == "java-jar");
    }

    [Fact]
    public void A_gradle_project_with_its_wrapper_and_toolchain()
    {
        _source
            .Write("build.gradle.kts", "java { toolchain { languageVersion = JavaLanguageVersion.of(17) } }")
            .Write("gradlew", "#!/bin/sh");

        var proposal = Proposed("java-gradle");

        Assert.Equal("17", proposal.Values["java_version"]);
        Assert.Equal("./gradlew build -x test --no-daemon", proposal.Values["build_command"]);
    }

    [Fact]
    public void A_java_version_the_recipe_does_not_take_is_left_out_with_a_note()
    {
        _source.Write("pom.xml", "<project><properties><java.version>8</java.version></properties></project>");

        var inspection = Inspect();

        Assert.False(inspection.Proposal!.Values.ContainsKey("java_version"));
        Assert.Contains(inspection.Notes, n =>
            n.StartsWith("For 'java-maven', the value read for 'java_version' was left out:", StringComparison.Ordinal)
        );
    }

    [Fact]
    public void A_version_the_local_base_images_do_not_hold_is_left_out_with_a_note()
    {
        _source
            .Write("go.mod", "module example.com/hello\n\ngo 1.22\n")
            .Write(".python-version", "3.11\n")
            .Write("main.py", "print('hi')\n");
        var local = Recipes.Catalog(Recipes.LocalSet());

        var inspection = new SourceInspector(local).Inspect(_source.Root).Value;

        Assert.False(inspection.Proposal!.Values.ContainsKey("go_version"));
        Assert.Contains(
            "For 'go', the value read for 'go_version' was left out: the source asks for 1.22, but the base images "
                + "here hold 1.19 only, which it builds with.",
            inspection.Notes
        );
        Assert.Equal("3.11", Assert.Single(inspection.Alternatives).Values["python_version"]);
        Assert.Equal("1.22", Proposed("go").Values["go_version"]);
    }

    [Fact]
    public void Plain_java_sources_build_with_javac_from_their_main_class()
    {
        _source
            .Write("src/main/java/com/example/Util.java", "package com.example;\nclass Util {}\n")
            .Write(
                "src/main/java/com/example/App.java",
                "package com.example;\n\npublic class App {\n  public static void main(final String[] args) {\n"
                    + "    new InetSocketAddress(8080);\n  }\n}\n"
            );

        var proposal = Proposed("java-jar");

        Assert.Equal("com.example.App", proposal.Values["main_class"]);
        Assert.Equal("src/main/java", proposal.Values["source_dir"]);
        Assert.Equal("8080", proposal.Values["port"]);
    }

    [Fact]
    public void A_static_site_of_plain_files()
    {
        _source.Write("index.html", "<!doctype html>").Write("style.css", "");

        var proposal = Proposed("static");

        Assert.Equal(".", proposal.Values["site_dir"]);
        Assert.Equal(["index.html at the top of the source"], proposal.Reasons);
    }

    [Fact]
    public void A_sources_own_dockerfile_comes_first_and_the_others_that_fit_are_named()
    {
        _source
            .Write("Dockerfile", "FROM node:20\nEXPOSE 3000/tcp\nCMD [\"node\", \"server.js\"]\n")
            .Write("package.json", """{ "scripts": { "start": "node server.js" } }""");

        var inspection = Inspect();

        Assert.Equal("dockerfile", inspection.Proposal!.Recipe);
        Assert.Equal("Dockerfile", inspection.Proposal.Values["dockerfile"]);
        Assert.Equal("3000", inspection.Proposal.Values["port"]);
        Assert.Equal("node", Assert.Single(inspection.Alternatives).Recipe);
        Assert.Contains(
            "More than one recipe fits: 'dockerfile' is proposed (Dockerfile at the top of the source); "
                + "'node' fits too (package.json with scripts.start).",
            inspection.Notes
        );
    }

    [Fact]
    public void A_monorepo_is_inspected_in_the_sub_directory_chosen()
    {
        _source
            .Write("README.md", "")
            .Write("services/api/go.mod", "module example.com/api\n\ngo 1.22\n")
            .Write("services/api/main.go", "package main\n")
            .Write("web/package.json", """{ "scripts": { "start": "node ." } }""");

        Assert.Null(Inspect().Proposal);
        Assert.Equal("api", Proposed("go", "services/api").Values["binary"]);
        Assert.Equal("node", Proposed("node", "web/").Recipe);
    }

    [Fact]
    public void A_source_no_recipe_recognises_proposes_none_and_says_what_was_looked_for()
    {
        _source.Write("README.md", "# nothing to build");

        var inspection = Inspect();

        Assert.Null(inspection.Proposal);
        Assert.Empty(inspection.Alternatives);
        Assert.StartsWith("No recipe recognises this source", Assert.Single(inspection.Notes));
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("services/../../outside")]
    [InlineData("/etc")]
    public void A_sub_directory_above_the_source_is_refused(string subdirectory)
    {
        var inspection = new SourceInspector(Catalog).Inspect(_source.Root, subdirectory);

        Assert.Equal("Subdirectory", inspection.Problem!.Field);
    }

    [Fact]
    public void A_sub_directory_that_links_out_of_the_source_is_refused()
    {
        File.WriteAllText(Path.Combine(_source.Outside, "go.mod"), "module secret\n");
        _source.Link("services/api", _source.Outside);

        var inspection = new SourceInspector(Catalog).Inspect(_source.Root, "services/api");

        Assert.Equal(
            "The sub-directory 'services/api' is a symbolic link that leads out of the source.",
            inspection.Problem!.Message
        );
    }

    [Fact]
    public void A_missing_sub_directory_is_refused()
    {
        var inspection = new SourceInspector(Catalog).Inspect(_source.Root, "services/api");

        Assert.Equal("The source has no folder 'services/api'.", inspection.Problem!.Message);
    }

    [Fact]
    public void A_file_that_links_out_of_the_source_is_not_read()
    {
        File.WriteAllText(Path.Combine(_source.Outside, "package.json"), """{ "scripts": { "start": "steal" } }""");
        _source.Link("package.json", Path.Combine(_source.Outside, "package.json"));
        _source.Link("index.html", "../outside/package.json");

        var inspection = Inspect();

        Assert.Null(inspection.Proposal);
        Assert.Contains(
            "package.json is a symbolic link that leads out of the source: it was not read.",
            inspection.Notes
        );
    }

    [Fact]
    public void A_link_inside_the_source_is_followed()
    {
        _source.Write("app/go.mod", "module example.com/inside\n").Link("go.mod", "app/go.mod");

        Assert.Equal("inside", Proposed("go").Values["binary"]);
    }

    [Fact]
    public void A_folder_that_links_out_of_the_source_is_not_searched()
    {
        Directory.CreateDirectory(Path.Combine(_source.Outside, "com"));
        File.WriteAllText(
            Path.Combine(_source.Outside, "com", "Main.java"),
            "public class Main { public static void main(String[] a) {} }"
        );
        _source.Link("src", _source.Outside);

        Assert.Null(Inspect().Proposal);
    }

    [Fact]
    public void A_huge_file_is_not_read_and_the_note_says_why()
    {
        _source
            .Write("package.json", "{ \"description\": \"" + new string('x', 2 * 1024 * 1024) + "\" }")
            .Write("index.html", "<!doctype html>");

        var inspection = Inspect();

        Assert.Equal("static", inspection.Proposal!.Recipe);
        Assert.Contains("package.json is larger than 1024 KiB: it was not read.", inspection.Notes);
    }

    [Fact]
    public async Task A_fifo_in_the_source_is_not_opened()
    {
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", Path.Combine(_source.Root, "package.json")))
            await mkfifo.WaitForExitAsync();

        var inspection = await Task.Run(() => Inspect()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains(
            "package.json at the top of the source (it does not parse as JSON)",
            inspection.Proposal!.Reasons
        );
    }

    [Fact]
    public void An_inspection_stops_reading_after_32_MiB()
    {
        var filler = "// " + new string('x', 1000 * 1024) + "\n";
        for (var i = 0; i < 40; i++)
            _source.Write($"src/p{i:D2}/Big{i:D2}.java", filler);
        _source.Write("src/zz/Main.java", "public class Main { public static void main(String[] a) {} }");

        var inspection = Inspect();

        Assert.Null(inspection.Proposal);
        Assert.Contains("The inspection read 32 MiB and stopped reading files.", inspection.Notes);
    }

    [Fact]
    public void A_missing_source_folder_is_not_found()
    {
        var inspection = new SourceInspector(Catalog).Inspect(Path.Combine(_source.Root, "gone"));

        Assert.Equal(Portal.Domain.Common.ProblemKind.NotFound, inspection.Problem!.Kind);
    }
}
