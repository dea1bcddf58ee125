using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// A base image a recipe builds on or runs from, by its name in the base image settings ("node", "jre"); the
/// version parameter, when there is one, picks its tag ("node:{version}-bookworm-slim").
/// </summary>
public sealed record RecipeImage(string Base, string? VersionParameter = null);

/// <summary>
/// How to turn a kind of source into an image: a Dockerfile template (Liquid) with its parameters, the base images of
/// its build and runtime stages, and, for people, its title, description and what in a source makes it the one to
/// propose. Recipes are data (<c>catalog/recipes/*.yaml</c>). The <c>dockerfile</c> recipe has no template: it builds
/// the source's own Dockerfile.
/// </summary>
public sealed record Recipe(
    string Name,
    string Title,
    string Description,
    IReadOnlyList<string> Detects,
    IReadOnlyList<RecipeParameter> Parameters,
    RecipeImage? BuildImage,
    RecipeImage? RuntimeImage,
    string? DockerfileTemplate
)
{
    /// <summary>The parameter every recipe has: the port the application listens on, which its spec exposes.</summary>
    public const string PortParameter = "port";

    public const int TitleMaxLength = 60;
    public const int DescriptionMaxLength = 1000;
    public const int TemplateMaxLength = 64 * 1024;

    /// <summary>Whether the recipe builds the source's own Dockerfile rather than rendering one.</summary>
    public bool UsesSourceDockerfile => DockerfileTemplate is null;

    public RecipeParameter? FindParameter(string name) => Parameters.FirstOrDefault(p => p.Name == name);

    /// <summary>
    /// Every problem of the recipe itself at once (a parameter whose default does not fit it, a version parameter
    /// an image names but the recipe lacks, no port), each with the field it concerns. Empty when it is sound.
    /// Whether the template renders is checked where it is rendered.
    /// </summary>
    public IReadOnlyList<Problem> Validate()
    {
        var problems = new List<Problem>();
        if (!KubernetesSyntax.IsDns1123Label(Name))
            problems.Add(
                Problem.Invalid(
                    nameof(Name),
                    $"'{Name}' is not a recipe name: use lowercase letters, digits and '-', like 'java-maven'."
                )
            );
        if (string.IsNullOrWhiteSpace(Title) || Title.Length > TitleMaxLength)
            problems.Add(
                Problem.Invalid(nameof(Title), $"Give the recipe a title of 1 to {TitleMaxLength} characters.")
            );
        if (Description.Length > DescriptionMaxLength)
            problems.Add(
                Problem.Invalid(nameof(Description), $"A description has at most {DescriptionMaxLength} characters.")
            );
        if (Detects.Count == 0 || Detects.Any(string.IsNullOrWhiteSpace))
            problems.Add(
                Problem.Invalid(nameof(Detects), "Say what in a source makes this recipe the one to propose.")
            );
        ValidateParameters(problems);
        ValidateImage(BuildImage, nameof(BuildImage), problems);
        ValidateImage(RuntimeImage, nameof(RuntimeImage), problems);
        if (!UsesSourceDockerfile && RuntimeImage is null)
            problems.Add(Problem.Invalid(nameof(RuntimeImage), "A rendered Dockerfile runs from a runtime image."));
        if (DockerfileTemplate is { } template && (template.Trim().Length == 0 || template.Length > TemplateMaxLength))
            problems.Add(
                Problem.Invalid(
                    nameof(DockerfileTemplate),
                    $"Write the Dockerfile template (at most {TemplateMaxLength} characters)."
                )
            );
        return problems;
    }

    /// <summary>
    /// The values to build with: each given value checked against its parameter, an empty one replaced by the default,
    /// a required one with neither refused. Every problem at once, each on "Parameters.{name}" and naming the
    /// parameter; a name the recipe does not have is refused too.
    /// </summary>
    public Result<RecipeChoice> Choose(IReadOnlyDictionary<string, string?> values)
    {
        var problems = new List<Problem>();
        foreach (var name in values.Keys.Where(k => FindParameter(k) is null).Order(StringComparer.Ordinal))
            problems.Add(Problem.Invalid($"Parameters.{name}", $"'{name}' is not a parameter of the recipe '{Name}'."));
        var chosen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var parameter in Parameters)
        {
            var given = values.GetValueOrDefault(parameter.Name)?.Trim();
            var value = string.IsNullOrEmpty(given) ? parameter.Default ?? "" : given;
            if (value.Length == 0)
            {
                if (parameter.Required)
                    problems.Add(
                        Problem.Invalid(
                            $"Parameters.{parameter.Name}",
                            $"'{parameter.Name}' ({parameter.Title}) is required: give a value."
                        )
                    );
                chosen[parameter.Name] = "";
                continue;
            }
            if (parameter.Check(value) is { } wrong)
            {
                problems.Add(Problem.Invalid($"Parameters.{parameter.Name}", wrong));
                continue;
            }
            chosen[parameter.Name] = parameter.Normalize(value);
        }
        foreach (var parameter in Parameters.Where(p => p.RequiredWhen is not null && chosen[p.Name].Length == 0))
        {
            var condition = parameter.RequiredWhen!;
            if (chosen.GetValueOrDefault(condition.Parameter) is { } other && condition.Values.Contains(other))
                problems.Add(
                    Problem.Invalid(
                        $"Parameters.{parameter.Name}",
                        $"'{parameter.Name}' ({parameter.Title}) is required when '{condition.Parameter}' is "
                            + $"'{other}': give a value."
                    )
                );
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : new RecipeChoice(Name, chosen);
    }

    /// <summary>The same recipe with another default for one parameter (a base image's version).</summary>
    public Recipe WithDefault(string parameter, string value) =>
        this with
        {
            Parameters = Parameters.Select(p => p.Name == parameter ? p with { Default = value } : p).ToList(),
        };

    private void ValidateParameters(List<Problem> problems)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Parameters.Count; i++)
        {
            var parameter = Parameters[i];
            var field = $"{nameof(Parameters)}[{i}]";
            if (!IsParameterName(parameter.Name))
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Name",
                        $"'{parameter.Name}' is not a parameter name: use lowercase letters, digits and '_', "
                            + "starting with a letter, like 'start_command'."
                    )
                );
            else if (!names.Add(parameter.Name))
                problems.Add(Problem.Invalid($"{field}.Name", $"Parameter '{parameter.Name}' is listed twice."));
            if (!Enum.IsDefined(parameter.Type))
            {
                problems.Add(Problem.Invalid($"{field}.Type", $"'{parameter.Name}' has no type."));
                continue;
            }
            if (string.IsNullOrWhiteSpace(parameter.Title) || string.IsNullOrWhiteSpace(parameter.Help))
                problems.Add(
                    Problem.Invalid($"{field}.Help", $"Give '{parameter.Name}' a title and help for the form.")
                );
            if (parameter.Type == RecipeParameterType.Choice && parameter.Choices.Count == 0)
                problems.Add(
                    Problem.Invalid($"{field}.AllowedValues", $"The choice '{parameter.Name}' offers no values.")
                );
            if (parameter.Min is { } min && parameter.Max is { } max && min > max)
                problems.Add(Problem.Invalid($"{field}.Max", $"'{parameter.Name}' has a maximum below its minimum."));
            if (parameter.Pattern is { } pattern && RecipeParameter.CompilePattern(pattern) is null)
                problems.Add(
                    Problem.Invalid(
                        $"{field}.Pattern",
                        $"The pattern of '{parameter.Name}' is not a regular expression: {pattern}"
                    )
                );
            else if (!string.IsNullOrEmpty(parameter.Default) && parameter.Check(parameter.Default) is { } wrong)
                problems.Add(Problem.Invalid($"{field}.Default", $"The default does not fit: {wrong}"));
            if (!string.IsNullOrEmpty(parameter.Example) && parameter.Check(parameter.Example) is { } unfit)
                problems.Add(Problem.Invalid($"{field}.Example", $"The example does not fit: {unfit}"));
            if (
                parameter.RequiredWhen is { } condition
                && (
                    FindParameter(condition.Parameter) is not { Type: RecipeParameterType.Choice } other
                    || condition.Values.Count == 0
                    || condition.Values.Any(v => !other.Choices.Contains(v))
                )
            )
                problems.Add(
                    Problem.Invalid(
                        $"{field}.RequiredWhen",
                        $"'{parameter.Name}' is required when '{condition.Parameter}' has some values: name a "
                            + "choice parameter of the recipe and some of its values."
                    )
                );
        }
        if (FindParameter(PortParameter) is not { Type: RecipeParameterType.Port, Required: true })
            problems.Add(
                Problem.Invalid(
                    nameof(Parameters),
                    $"Every recipe has a required parameter '{PortParameter}' of type Port: the port the "
                        + "application listens on."
                )
            );
    }

    /// <summary>Lowercase letters, digits and '_', a letter first: what Liquid reads as params.{name}.</summary>
    private static bool IsParameterName(string name) =>
        name.Length is > 0 and <= 63
        && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');

    private void ValidateImage(RecipeImage? image, string field, List<Problem> problems)
    {
        if (image is null)
            return;
        if (!KubernetesSyntax.IsDns1123Label(image.Base))
            problems.Add(
                Problem.Invalid($"{field}.Base", $"'{image.Base}' is not a base image name, like 'node' or 'jre'.")
            );
        if (
            image.VersionParameter is { } version
            && FindParameter(version) is not { Type: RecipeParameterType.Version }
        )
            problems.Add(
                Problem.Invalid(
                    $"{field}.Version",
                    $"The image's version comes from '{version}', which is not a Version parameter of the recipe."
                )
            );
    }
}
