using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// Reads recipes: one YAML file per recipe in <c>catalog/recipes/</c>, named after it ("node.yaml" holds "node"),
/// parsed like the middleware catalog's files (camelCase keys, an unknown key refused so that a typo does not pass
/// for an empty field). <c>catalog/recipes/README.md</c> describes the format.
/// </summary>
public static class RecipeFiles
{
    public const string Extension = CatalogFile.Extension;

    /// <summary>Every recipe file of <paramref name="directory"/>, in name order; all the problems at once.</summary>
    public static Result<IReadOnlyList<Recipe>> Load(string directory)
    {
        var recipes = CatalogFile.LoadFolder(directory, "recipe", Parse);
        if (recipes.Succeeded && recipes.Value.Count == 0)
            return Problem.NotFound($"A recipe file (*{Extension}) in '{directory}'");
        return recipes;
    }

    /// <summary>
    /// One recipe file's text, checked by the domain (<see cref="Recipe.Validate"/>); <paramref name="fileName"/> names
    /// the recipe ("node.yaml" holds "node") and every problem.
    /// </summary>
    public static Result<Recipe> Parse(string fileName, string yaml)
    {
        var read = CatalogFile.Read<RecipeFile>(fileName, yaml);
        if (!read.Succeeded)
            return read.Problem!;
        var file = read.Value;

        var problems = new List<Problem>();
        if (CatalogFile.NameMismatch(fileName, file.Name, "recipe") is { } mismatch)
            problems.Add(mismatch);
        var parameters = (file.Parameters ?? []).Select((p, i) => Parameter(p, $"Parameters[{i}]", problems)).ToList();
        var recipe = new Recipe(
            file.Name ?? "",
            file.Title?.Trim() ?? "",
            file.Description?.Trim() ?? "",
            (file.Detects ?? []).Select(d => d.Trim()).ToList(),
            parameters,
            Image(file.Images?.Build),
            Image(file.Images?.Runtime),
            file.Dockerfile
        );
        problems.AddRange(recipe.Validate());
        return problems.Count > 0 ? InFile(fileName, Problem.Invalid(problems)) : recipe;
    }

    internal static Problem InFile(string fileName, Problem problem) => CatalogFile.InFile(fileName, problem);

    private static RecipeImage? Image(ImageFile? image) =>
        image is null ? null : new RecipeImage(image.Base ?? "", image.Version);

    private static RecipeParameter Parameter(ParameterFile parameter, string field, List<Problem> problems)
    {
        if (
            !Enum.TryParse<RecipeParameterType>(parameter.Type, ignoreCase: true, out var type) || !Enum.IsDefined(type)
        )
            problems.Add(
                Problem.Invalid(
                    $"{field}.Type",
                    $"'{parameter.Type}' is not a parameter type: use "
                        + $"{string.Join(", ", Enum.GetNames<RecipeParameterType>())}."
                )
            );
        return new RecipeParameter(
            parameter.Name ?? "",
            type,
            parameter.Title?.Trim() ?? "",
            parameter.Help?.Trim() ?? "",
            parameter.Default,
            parameter.Required,
            parameter.Min,
            parameter.Max,
            parameter.Pattern,
            parameter.AllowedValues,
            parameter.RequiredWhen is { } when ? new RecipeCondition(when.Parameter ?? "", when.Values ?? []) : null,
            parameter.Example
        );
    }

    // The shapes of the file, as YamlDotNet fills them.
    private sealed class RecipeFile
    {
        public string? Name { get; set; }
        public string? Title { get; set; }
        public string? Description { get; set; }
        public List<string>? Detects { get; set; }
        public ImagesFile? Images { get; set; }
        public List<ParameterFile>? Parameters { get; set; }
        public string? Dockerfile { get; set; }
    }

    private sealed class ImagesFile
    {
        public ImageFile? Build { get; set; }
        public ImageFile? Runtime { get; set; }
    }

    private sealed class ImageFile
    {
        public string? Base { get; set; }
        public string? Version { get; set; }
    }

    private sealed class ParameterFile
    {
        public string? Name { get; set; }
        public string? Title { get; set; }
        public string? Type { get; set; }
        public string? Default { get; set; }
        public bool Required { get; set; }
        public long? Min { get; set; }
        public long? Max { get; set; }
        public string? Pattern { get; set; }
        public List<string>? AllowedValues { get; set; }
        public ConditionFile? RequiredWhen { get; set; }
        public string? Example { get; set; }
        public string? Help { get; set; }
    }

    private sealed class ConditionFile
    {
        public string? Parameter { get; set; }
        public List<string>? Values { get; set; }
    }
}
