using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary><c>Portal:Builds:Recipes</c>: where the recipe files are.</summary>
public sealed class RecipeOptions
{
    public const string Section = "Portal:Builds:Recipes";

    /// <summary>The folder of the recipe files; a relative path starts at the application's folder.</summary>
    public string Directory { get; set; } = "catalog/recipes";
}

/// <summary>
/// The recipes of <c>catalog/recipes/</c>, loaded once at start and proven: every file parses and is sound
/// (<see cref="Recipe.Validate"/>), every base image it names is in the settings, and its template renders into a
/// runnable Dockerfile with the defaults, with every example given, and with every value of every choice. A version
/// parameter defaults to the version its base image proposes (the local images' Debian versions in the embedded mode).
/// Anything wrong stops the portal at start with every problem named by file.
/// </summary>
public sealed class RecipeCatalog
{
    private readonly Dictionary<string, Recipe> _byName;
    private readonly Func<string?>? _portalRegistry;

    private RecipeCatalog(IReadOnlyList<Recipe> recipes, BaseImageSet baseImages, Func<string?>? portalRegistry = null)
    {
        Recipes = recipes;
        BaseImages = baseImages;
        _portalRegistry = portalRegistry;
        _byName = recipes.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// This catalog, with the local base images' registry (<c>host:port</c>) asked of <paramref name="portalRegistry"/>
    /// at each render where the settings leave it unknown: the embedded registry's address is known once it started.
    /// </summary>
    public RecipeCatalog UsingRegistry(Func<string?> portalRegistry) => new(Recipes, BaseImages, portalRegistry);

    public IReadOnlyList<Recipe> Recipes { get; }

    public BaseImageSet BaseImages { get; }

    public Recipe? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The values to build <paramref name="recipe"/> with (<see cref="Recipe.Choose"/>).</summary>
    public Result<RecipeChoice> Choose(string recipe, IReadOnlyDictionary<string, string?> values) =>
        Find(recipe) is { } found ? found.Choose(values) : UnknownRecipe(recipe);

    /// <summary>The Dockerfile of <paramref name="choice"/> with the settings' base images.</summary>
    public Result<RenderedDockerfile> Render(RecipeChoice choice) =>
        Find(choice.Recipe) is { } recipe
            ? DockerfileRenderer.Render(
                recipe,
                choice,
                _portalRegistry?.Invoke() is { Length: > 0 } registry ? BaseImages.WithRegistry(registry) : BaseImages
            )
            : UnknownRecipe(choice.Recipe);

    /// <summary>The recipes of <paramref name="directory"/> on these base images, proven as the class says.</summary>
    public static Result<RecipeCatalog> Load(string directory, BaseImageSet baseImages)
    {
        var files = RecipeFiles.Load(directory);
        if (!files.Succeeded)
            return files.Problem!;
        var recipes = new List<Recipe>();
        var problems = new List<Problem>();
        foreach (var file in files.Value)
        {
            var recipe = WithVersionDefaults(file, baseImages, problems);
            foreach (var problem in Prove(recipe, baseImages))
                problems.Add(RecipeFiles.InFile($"{recipe.Name}{RecipeFiles.Extension}", problem));
            recipes.Add(recipe);
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : new RecipeCatalog(recipes, baseImages);
    }

    /// <summary>The catalog the settings name; throws with every problem when a file or a setting is wrong.</summary>
    public static RecipeCatalog FromSettings(RecipeOptions recipes, BaseImageOptions baseImages)
    {
        var directory = Path.IsPathRooted(recipes.Directory)
            ? recipes.Directory
            : Path.Combine(AppContext.BaseDirectory, recipes.Directory);
        var images = baseImages.Resolve(AppContext.BaseDirectory);
        if (!images.Succeeded)
            throw new InvalidOperationException($"The base image settings are wrong: {Describe(images.Problem!)}");
        var loaded = Load(directory, images.Value);
        if (!loaded.Succeeded)
            throw new InvalidOperationException($"The recipes in {directory} are broken: {Describe(loaded.Problem!)}");
        return loaded.Value;
    }

    private static string Describe(Problem problem) =>
        problem.Causes.Count == 0
            ? problem.Message
            : string.Join(Environment.NewLine, problem.Causes.Select(c => c.Message).Prepend(""));

    private static Problem UnknownRecipe(string name) => Problem.NotFound($"The recipe '{name}'");

    private static Recipe WithVersionDefaults(Recipe recipe, BaseImageSet baseImages, List<Problem> problems)
    {
        var proposed = new[] { recipe.BuildImage, recipe.RuntimeImage }
            .OfType<RecipeImage>()
            .Where(i => i.VersionParameter is not null)
            .Select(i => (Parameter: i.VersionParameter!, i.Base, Version: baseImages.DefaultVersion(i)))
            .Where(p => p.Version is not null)
            .ToList();
        foreach (var group in proposed.GroupBy(p => p.Parameter))
        {
            var versions = group.Select(p => p.Version!).Distinct(StringComparer.Ordinal).ToList();
            if (versions.Count > 1)
            {
                problems.Add(
                    Problem.Invalid(
                        $"{recipe.Name}{RecipeFiles.Extension}:Images",
                        $"{recipe.Name}{RecipeFiles.Extension}: the base images "
                            + $"{string.Join(" and ", group.Select(p => $"'{p.Base}' ({p.Version})"))} propose "
                            + $"different versions for '{group.Key}': give them one in {BaseImageOptions.Section}."
                    )
                );
                continue;
            }
            var parameter = recipe.FindParameter(group.Key)!;
            if (parameter.Check(versions[0]) is { } wrong)
                problems.Add(
                    Problem.Invalid(
                        $"{recipe.Name}{RecipeFiles.Extension}:Images",
                        $"{recipe.Name}{RecipeFiles.Extension}: the base image's version does not fit: {wrong}"
                    )
                );
            else
                recipe = recipe.WithDefault(group.Key, versions[0]);
        }
        return recipe;
    }

    /// <summary>Renders the recipe with its defaults, with every example, and with each value of each choice.</summary>
    private static IEnumerable<Problem> Prove(Recipe recipe, BaseImageSet baseImages)
    {
        var proving = baseImages.WithRegistry("registry.invalid:5000");
        var defaults = recipe
            .Parameters.Where(p => string.IsNullOrEmpty(p.Default) && p.Example is not null)
            .Where(p => p.Required || p.RequiredWhen is not null)
            .ToDictionary(p => p.Name, p => (string?)p.Example, StringComparer.Ordinal);
        var examples = recipe
            .Parameters.Where(p => p.Example is not null)
            .ToDictionary(p => p.Name, p => (string?)p.Example, StringComparer.Ordinal);
        var cases = new List<(string Name, Dictionary<string, string?> Values)>
        {
            ("the defaults", defaults),
            ("every example", examples),
        };
        foreach (var choice in recipe.Parameters.Where(p => p.Type == RecipeParameterType.Choice))
        {
            foreach (var value in choice.Choices)
                cases.Add(
                    (
                        $"{choice.Name} = {value}",
                        new Dictionary<string, string?>(defaults, StringComparer.Ordinal) { [choice.Name] = value }
                    )
                );
        }
        foreach (var (name, values) in cases)
        {
            var chosen = recipe.Choose(values);
            var problem = chosen.Succeeded
                ? DockerfileRenderer.Render(recipe, chosen.Value, proving).Problem
                : chosen.Problem;
            if (problem is null)
                continue;
            var causes = problem.Causes.Count > 0 ? problem.Causes : [problem];
            foreach (var cause in causes)
                yield return cause with
                {
                    Message = $"With {name}: {cause.Message}",
                };
        }
    }
}
