using System.Text;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>The shipped recipes and base images, read from the repository's catalog/ as the portal does.</summary>
internal static class Recipes
{
    public const string Registry = "127.0.0.1:5000";

    public static string CatalogDirectory()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (directory.GetFiles("PaaS.sln").Length > 0)
                return Path.Combine(directory.FullName, "catalog");
        }
        throw new InvalidOperationException($"No PaaS.sln above {AppContext.BaseDirectory}.");
    }

    public static string RecipeDirectory() => Path.Combine(CatalogDirectory(), "recipes");

    public static LocalBaseImages LocalImages()
    {
        var local = LocalBaseImages.Load(Path.Combine(CatalogDirectory(), "base-images", "bookworm.yaml"));
        Assert.True(local.Succeeded, Describe(local.Problem));
        return local.Value;
    }

    public static BaseImageSet LocalSet() => BaseImageSet.Local(LocalImages(), Registry);

    public static RecipeCatalog Catalog(BaseImageSet? images = null)
    {
        var catalog = RecipeCatalog.Load(RecipeDirectory(), images ?? BaseImageSet.Public);
        Assert.True(catalog.Succeeded, Describe(catalog.Problem));
        return catalog.Value;
    }

    public static RecipeChoice Choose(RecipeCatalog catalog, string recipe, params (string Name, string Value)[] values)
    {
        var choice = catalog.Choose(recipe, values.ToDictionary(v => v.Name, v => (string?)v.Value));
        Assert.True(choice.Succeeded, Describe(choice.Problem));
        return choice.Value;
    }

    public static RenderedDockerfile Render(RecipeCatalog catalog, RecipeChoice choice)
    {
        var rendered = catalog.Render(choice);
        Assert.True(rendered.Succeeded, Describe(rendered.Problem));
        return rendered.Value;
    }

    public static string Describe(Portal.Domain.Common.Problem? problem) =>
        problem is null ? ""
        : problem.Causes.Count == 0 ? $"{problem.Field}: {problem.Message}"
        : string.Join("\n", problem.Causes.Select(c => $"{c.Field}: {c.Message}"));
}

/// <summary>
/// Reviewed renderings kept in Builds/Recipes/, one file per recipe and case. Set UPDATE_GOLDEN=1 to rewrite them in
/// the source tree after an intended change, then review the diff before committing.
/// </summary>
internal static class RecipeGolden
{
    public static string? Check(string fileName, string actual)
    {
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            var directory = Path.Combine(SourceDirectory(), "Builds", "Recipes");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, fileName), actual, new UTF8Encoding(false));
            return null;
        }
        var path = Path.Combine(AppContext.BaseDirectory, "Builds", "Recipes", fileName);
        if (!File.Exists(path))
            return $"{fileName}: no golden file. Run the tests with UPDATE_GOLDEN=1 to write it, and review it.";
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected == actual)
            return null;
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
            line++;
        return $"{fileName} differs from the golden file; if the change is intended, "
            + "run the tests with UPDATE_GOLDEN=1 and review the diff.\n"
            + $"  first difference at line {line + 1}:\n  expected: "
            + $"{(line < expectedLines.Length ? expectedLines[line] : "(end)")}\n"
            + $"  rendered: {(line < actualLines.Length ? actualLines[line] : "(end)")}";
    }

    private static string SourceDirectory()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (directory.GetFiles("Portal.Infrastructure.Tests.csproj").Length > 0)
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Portal.Infrastructure.Tests.csproj above {AppContext.BaseDirectory}.");
    }
}
