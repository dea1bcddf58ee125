using System.Globalization;
using Fluid.Values;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// What a build builds: the Dockerfile the recipe rendered (<see cref="Text"/>), or the source's own
/// (<see cref="SourceDockerfile"/>, relative to the context, with its <see cref="Target"/> stage); the port the image
/// exposes, which the application's spec takes; the base images its FROM lines pull; and the command to run in the
/// built image before pushing it, as an exec-form argument list, when the recipe has one.
/// </summary>
public sealed record RenderedDockerfile(
    string? Text,
    string? SourceDockerfile,
    string? Target,
    int Port,
    IReadOnlyList<string> BaseImages,
    IReadOnlyList<string>? TestCommand
);

/// <summary>
/// Renders a recipe's Dockerfile template (Liquid, as <see cref="Liquid.RenderDockerfile"/> renders it: no value can
/// add an instruction or an argument) for the values chosen and the base images of the settings. Pure: the same input
/// gives the same text.
/// <para>The template sees <c>params.{name}</c> (ports and integers as numbers, booleans as booleans, an optional
/// parameter left empty as nil), <c>images.build</c> and <c>images.runtime</c> (the parameters <c>build_image</c> and
/// <c>runtime_image</c> when they are given, else the recipe's base images with the chosen version), and the filters
/// <c>json_string</c> and <c>exec_form</c>. What it renders must hold a runnable image
/// (<see cref="DockerfileShape"/>): its last stage has a WORKDIR, a numeric non-root USER, <c>EXPOSE</c> of the port
/// and an exec-form ENTRYPOINT or CMD.</para>
/// </summary>
public static class DockerfileRenderer
{
    public const string BuildImageParameter = "build_image";
    public const string RuntimeImageParameter = "runtime_image";
    public const string TestCommandParameter = "test_command";

    public static Result<RenderedDockerfile> Render(Recipe recipe, RecipeChoice choice, BaseImageSet baseImages)
    {
        if (choice.Recipe != recipe.Name)
            return Problem.Invalid(
                nameof(RecipeChoice.Recipe),
                $"The values were chosen for the recipe '{choice.Recipe}', not '{recipe.Name}'."
            );
        var testCommand = choice.Value(TestCommandParameter) is { } test ? Liquid.ExecArgv(test) : null;
        if (recipe.DockerfileTemplate is not { } template)
            return new RenderedDockerfile(
                null,
                choice.Value("dockerfile") ?? "Dockerfile",
                choice.Value("target"),
                choice.Port,
                [],
                testCommand
            );

        var problems = new List<Problem>();
        var build = Image(recipe.BuildImage, BuildImageParameter, choice, baseImages, problems);
        var runtime = Image(recipe.RuntimeImage, RuntimeImageParameter, choice, baseImages, problems);
        if (problems.Count > 0)
            return Problem.Invalid(problems);

        var images = new Dictionary<string, FluidValue>(StringComparer.Ordinal);
        if (build is not null)
            images["build"] = Liquid.String(build);
        if (runtime is not null)
            images["runtime"] = Liquid.String(runtime);
        var variables = new Dictionary<string, FluidValue>(StringComparer.Ordinal)
        {
            ["params"] = Liquid.Map(
                "params",
                recipe.Parameters.Select(p => KeyValuePair.Create(p.Name, Value(p, choice.Value(p.Name))))
            ),
            ["images"] = Liquid.Map("images", images),
        };
        var rendered = Liquid.RenderDockerfile(template, variables, nameof(Recipe.DockerfileTemplate));
        if (!rendered.Succeeded)
            return rendered.Problem!;
        var text = Tidy(rendered.Value);
        var shape = DockerfileShape.Read(text);
        var wrong = shape.Problems(choice.Port);
        if (wrong.Count > 0)
            return Problem.Invalid(wrong.Select(m => Problem.Invalid(nameof(Recipe.DockerfileTemplate), m)).ToList());
        return new RenderedDockerfile(text, null, null, choice.Port, shape.BaseImages, testCommand);
    }

    private static string? Image(
        RecipeImage? image,
        string parameter,
        RecipeChoice choice,
        BaseImageSet baseImages,
        List<Problem> problems
    )
    {
        if (choice.Value(parameter) is { } given)
            return given;
        if (image is null)
            return null;
        var reference = baseImages.Reference(image, choice, $"Parameters.{parameter}");
        if (reference.Succeeded)
            return reference.Value;
        problems.Add(reference.Problem!);
        return null;
    }

    private static FluidValue Value(RecipeParameter parameter, string? value)
    {
        if (value is null)
            return NilValue.Instance;
        return parameter.Type switch
        {
            RecipeParameterType.Integer or RecipeParameterType.Port => Liquid.Number(
                long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            ),
            RecipeParameterType.Boolean => BooleanValue.Create(bool.Parse(value)),
            _ => Liquid.String(value),
        };
    }

    /// <summary>
    /// The rendered text with what conditionals leave behind taken out: spaces at line ends, runs of blank lines, blank
    /// lines at either end; one line break at the end.
    /// </summary>
    private static string Tidy(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(l => l.TrimEnd()).ToList();
        var kept = new List<string>();
        foreach (var line in lines)
        {
            if (line.Length == 0 && (kept.Count == 0 || kept[^1].Length == 0))
                continue;
            kept.Add(line);
        }
        while (kept.Count > 0 && kept[^1].Length == 0)
            kept.RemoveAt(kept.Count - 1);
        return string.Join('\n', kept) + "\n";
    }
}
