using System.Text.RegularExpressions;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>A recipe the inspector proposes for a source: the values it read there, and why, in words.</summary>
public sealed record RecipeProposal(
    string Recipe,
    IReadOnlyDictionary<string, string> Values,
    IReadOnlyList<string> Reasons
);

/// <summary>
/// What the inspector found: the recipe it proposes (null when none fits), the others that fit too, and what it could
/// not read or decide (a file too large, a link out of the source, several recipes that fit).
/// </summary>
public sealed record SourceInspection(
    RecipeProposal? Proposal,
    IReadOnlyList<RecipeProposal> Alternatives,
    IReadOnlyList<string> Notes
);

/// <summary>
/// Looks at a checked-out source (or a sub-directory of it, for a monorepo) and proposes a recipe with the parameter
/// values it reads there, each with its reason ("package.json with scripts.start"). In order of precedence: the
/// source's own Dockerfile, Maven, Gradle, Go, Node.js or a site built with Node.js, Python, plain Java sources, and a
/// static site. Reads through <see cref="SourceTree"/>: only files inside the source, bounded. A value that does not
/// fit its parameter is left out, with a note, so that a proposal always passes <c>Recipe.Choose</c>.
/// </summary>
public sealed partial class SourceInspector(RecipeCatalog catalog)
{
    public Result<SourceInspection> Inspect(string root, string? subdirectory = null)
    {
        var opened = SourceTree.Open(root, subdirectory);
        if (!opened.Succeeded)
            return opened.Problem!;
        var tree = opened.Value;
        var notes = new List<string>();
        var proposals = new List<RecipeProposal>();
        foreach (var found in Detectors().Select(detect => detect(tree)).OfType<Found>())
        {
            // A site built with Node.js and its index.html both say "static": the first, more telling, stays. A recipe
            // the catalog does not have (a folder of recipes of one's own) is not proposed.
            if (proposals.All(p => p.Recipe != found.Recipe) && catalog.Find(found.Recipe) is { } recipe)
                proposals.Add(Fitted(recipe, found, notes));
        }
        notes.InsertRange(0, tree.Notes);
        if (proposals.Count == 0)
            notes.Add(
                "No recipe recognises this source (no Dockerfile, pom.xml, build.gradle, go.mod, package.json, "
                    + "requirements.txt, pyproject.toml, Python or Java program, or index.html): choose one."
            );
        else if (proposals.Count > 1)
            notes.Add(
                $"More than one recipe fits: '{proposals[0].Recipe}' is proposed "
                    + $"({proposals[0].Reasons[0]}); "
                    + string.Join("; ", proposals.Skip(1).Select(p => $"'{p.Recipe}' fits too ({p.Reasons[0]})"))
                    + "."
            );
        return new SourceInspection(proposals.FirstOrDefault(), proposals.Skip(1).ToList(), notes);
    }

    /// <summary>What one detector found: a recipe, values read from the source, and the reasons.</summary>
    private sealed record Found(string Recipe, Dictionary<string, string> Values, List<string> Reasons);

    private static IEnumerable<Func<SourceTree, Found?>> Detectors() =>
        [Dockerfile, Maven, Gradle, Go, Node, Python, JavaSources, StaticFiles];

    private RecipeProposal Fitted(Recipe recipe, Found found, List<string> notes)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in found.Values)
        {
            var wrong = recipe.FindParameter(name) is { } parameter
                ? parameter.Check(value) ?? Unavailable(recipe, name, value)
                : $"'{name}' is not a parameter of the recipe";
            if (wrong is null)
                values[name] = value;
            else
                notes.Add($"For '{recipe.Name}', the value read for '{name}' was left out: {wrong}");
        }
        return new RecipeProposal(found.Recipe, values, found.Reasons);
    }

    /// <summary>
    /// Why a version read from the source cannot be built here: its base images (the local ones) hold another only.
    /// </summary>
    private string? Unavailable(Recipe recipe, string parameter, string version)
    {
        var only = new[] { recipe.BuildImage, recipe.RuntimeImage }
            .OfType<RecipeImage>()
            .Where(i => i.VersionParameter == parameter)
            .Select(catalog.BaseImages.OnlyVersion)
            .FirstOrDefault(v => v is not null);
        return only is null || only == version
            ? null
            : $"the source asks for {version}, but the base images here hold {only} only, which it builds with.";
    }

    private static Found? Dockerfile(SourceTree tree)
    {
        var path = new[] { "Dockerfile", "Containerfile" }.FirstOrDefault(tree.HasFile);
        if (path is null)
            return null;
        var found = new Found("dockerfile", new() { ["dockerfile"] = path }, [$"{path} at the top of the source"]);
        if (tree.ReadText(path) is { } text && ExposedPort().Match(text) is { Success: true } exposed)
        {
            found.Values["port"] = exposed.Groups[1].Value;
            found.Reasons.Add($"{path} exposes {exposed.Groups[1].Value}");
        }
        return found;
    }

    private static Found? Maven(SourceTree tree)
    {
        if (tree.ReadText("pom.xml") is not { } pom)
            return null;
        var found = new Found("java-maven", [], ["pom.xml at the top of the source"]);
        if (MavenJavaVersion().Match(pom) is { Success: true } version)
        {
            found.Values["java_version"] = version.Groups["version"].Value;
            found.Reasons.Add($"pom.xml compiles for Java {version.Groups["version"].Value}");
        }
        if (tree.HasFile("mvnw"))
        {
            found.Values["build_command"] = "./mvnw -B -DskipTests package";
            found.Reasons.Add("the Maven wrapper mvnw builds it");
        }
        SpringPort(tree, found);
        return found;
    }

    private static Found? Gradle(SourceTree tree)
    {
        var path = new[] { "build.gradle.kts", "build.gradle" }.FirstOrDefault(tree.HasFile);
        if (path is null)
            return null;
        var found = new Found("java-gradle", [], [$"{path} at the top of the source"]);
        if (tree.ReadText(path) is { } build && GradleJavaVersion().Match(build) is { Success: true } version)
        {
            found.Values["java_version"] = version.Groups["version"].Value;
            found.Reasons.Add($"{path} compiles for Java {version.Groups["version"].Value}");
        }
        if (tree.HasFile("gradlew"))
        {
            found.Values["build_command"] = "./gradlew build -x test --no-daemon";
            found.Reasons.Add("the Gradle wrapper gradlew builds it");
        }
        SpringPort(tree, found);
        return found;
    }

    private static void SpringPort(SourceTree tree, Found found)
    {
        const string properties = "src/main/resources/application.properties";
        if (tree.ReadText(properties) is { } text && ServerPort().Match(text) is { Success: true } port)
        {
            found.Values["port"] = port.Groups[1].Value;
            found.Reasons.Add($"{properties} sets server.port={port.Groups[1].Value}");
        }
    }

    private static Found? Go(SourceTree tree)
    {
        if (tree.ReadText("go.mod") is not { } mod)
            return null;
        var found = new Found("go", [], ["go.mod at the top of the source"]);
        if (GoModule().Match(mod) is { Success: true } module)
        {
            var name = module.Groups[1].Value;
            var binary = BinaryName().Replace(name[(name.LastIndexOf('/') + 1)..], "-").Trim('-', '.', '_');
            if (binary.Length > 0)
            {
                found.Values["binary"] = binary;
                found.Reasons.Add($"go.mod names the module {name}");
            }
        }
        if (GoVersion().Match(mod) is { Success: true } version)
        {
            found.Values["go_version"] = version.Groups[1].Value;
            found.Reasons.Add($"go.mod asks for Go {version.Groups[1].Value}");
        }
        var mains = tree.FindFiles("*.go")
            .Where(f => !f.EndsWith("_test.go", StringComparison.Ordinal))
            .Where(f => tree.ReadText(f) is { } text && GoMainPackage().IsMatch(text))
            .Select(f => f.Contains('/', StringComparison.Ordinal) ? f[..f.LastIndexOf('/')] : ".")
            .Distinct()
            .ToList();
        var main = mains.Contains(".") ? "." : mains.FirstOrDefault();
        if (main is not null)
        {
            found.Values["package"] = main;
            found.Reasons.Add(
                main == "."
                    ? "package main at the top of the module"
                    : $"package main in {main}"
                        + (mains.Count > 1 ? $" (of {string.Join(", ", mains)}: choose another if it is not)" : "")
            );
            foreach (var file in tree.FindFiles("*.go").Where(f => InFolder(f, main)))
            {
                if (tree.ReadText(file) is not { } text || GoPort().Match(text) is not { Success: true } port)
                    continue;
                found.Values["port"] = port.Groups[1].Value;
                found.Reasons.Add($"{file} listens on :{port.Groups[1].Value}");
                break;
            }
        }
        return found;
    }

    /// <summary>Whether <paramref name="file"/> is directly in <paramref name="folder"/> ("." for the top).</summary>
    private static bool InFolder(string file, string folder) =>
        folder == "."
            ? !file.Contains('/', StringComparison.Ordinal)
            : file.StartsWith(folder + "/", StringComparison.Ordinal)
                && !file[(folder.Length + 1)..].Contains('/', StringComparison.Ordinal);

    private static Found? JavaSources(SourceTree tree)
    {
        var sources = tree.FindFiles("*.java");
        foreach (var file in sources)
        {
            if (tree.ReadText(file) is not { } text || !JavaMain().IsMatch(text))
                continue;
            // Java names a public class after its file.
            var type = Path.GetFileNameWithoutExtension(file);
            var package = JavaPackage().Match(text) is { Success: true } p ? p.Groups[1].Value : null;
            var mainClass = package is null ? type : $"{package}.{type}";
            // The source folder is where the package's folders start: above com/example/ for com.example.App.
            var folder = file.Contains('/', StringComparison.Ordinal) ? file[..file.LastIndexOf('/')] : ".";
            var packagePath = package?.Replace('.', '/');
            var sourceDir =
                packagePath is null ? folder
                : folder == packagePath ? "."
                : folder.EndsWith("/" + packagePath, StringComparison.Ordinal) ? folder[..^(packagePath.Length + 1)]
                : folder;
            var found = new Found(
                "java-jar",
                new() { ["main_class"] = mainClass, ["source_dir"] = sourceDir },
                [$"{file} has a main method ({mainClass})"]
            );
            if (GenericPort().Match(text) is { Success: true } port)
            {
                found.Values["port"] = port.Groups[1].Value;
                found.Reasons.Add($"{file} listens on {port.Groups[1].Value}");
            }
            return found;
        }
        return null;
    }

    private static Found? StaticFiles(SourceTree tree)
    {
        if (tree.HasFile("index.html"))
            return new Found("static", new() { ["site_dir"] = "." }, ["index.html at the top of the source"]);
        if (!tree.HasFile("package.json") && tree.HasFile("public/index.html"))
            return new Found("static", new() { ["site_dir"] = "public" }, ["index.html in public/"]);
        return null;
    }

    [GeneratedRegex(@"^\s*EXPOSE\s+(\d{1,5})(?:/tcp)?\b", RegexOptions.Multiline | RegexOptions.IgnoreCase)]
    private static partial Regex ExposedPort();

    [GeneratedRegex(
        @"<(?:maven\.compiler\.release|java\.version|maven\.compiler\.source|maven\.compiler\.target)>"
            + @"\s*(?:1\.)?(?<version>\d{1,2})\s*<"
    )]
    private static partial Regex MavenJavaVersion();

    [GeneratedRegex(
        @"(?:JavaLanguageVersion\.of\(\s*|JavaVersion\.VERSION_(?:1_)?|sourceCompatibility\s*=\s*['""]?(?:1\.)?)"
            + @"(?<version>\d{1,2})"
    )]
    private static partial Regex GradleJavaVersion();

    [GeneratedRegex(@"^\s*server\.port\s*[=:]\s*(\d{1,5})\s*$", RegexOptions.Multiline)]
    private static partial Regex ServerPort();

    [GeneratedRegex(@"^\s*module\s+""?([^\s""]+)""?", RegexOptions.Multiline)]
    private static partial Regex GoModule();

    [GeneratedRegex(@"^\s*go\s+(1\.\d{1,2})(?:\.\d+)?\s*$", RegexOptions.Multiline)]
    private static partial Regex GoVersion();

    [GeneratedRegex(@"[^A-Za-z0-9._-]+")]
    private static partial Regex BinaryName();

    [GeneratedRegex(@"^\s*package\s+main\b", RegexOptions.Multiline)]
    private static partial Regex GoMainPackage();

    [GeneratedRegex(@"""[0-9.]*:(\d{2,5})""")]
    private static partial Regex GoPort();

    [GeneratedRegex(@"public\s+static\s+void\s+main\s*\(\s*(?:final\s+)?String")]
    private static partial Regex JavaMain();

    [GeneratedRegex(@"^\s*package\s+([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*;", RegexOptions.Multiline)]
    private static partial Regex JavaPackage();

    /// <summary>A port a program listens on: "PORT", 8000 / port=8000 / listen(3000 / ("", 8000).</summary>
    [GeneratedRegex(
        @"(?:\bport\b[^0-9\n]{0,24}|\blisten\(\s*|\(\s*[""'][^""'\n]*[""']\s*,\s*|InetSocketAddress\(\s*)(\d{2,5})\b",
        RegexOptions.IgnoreCase
    )]
    private static partial Regex GenericPort();
}
