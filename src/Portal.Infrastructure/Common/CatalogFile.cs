using Portal.Domain.Common;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Portal.Infrastructure.Common;

/// <summary>
/// The one way a catalog folder of YAML files (middleware templates, build recipes) is read: one file per entry, named
/// after it ("redis.yaml" holds "redis"), camelCase keys with an unknown key refused so that a typo does not pass for
/// an empty field, a syntax error named with the file and line, and every problem of every file reported at once.
/// </summary>
internal static class CatalogFile
{
    public const string Extension = ".yaml";

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    /// <summary>
    /// Every file of <paramref name="directory"/> parsed by <paramref name="parse"/>, in name order; all the problems
    /// of all the files at once; a folder without files gives none. <paramref name="what"/> names an entry in the
    /// messages ("recipe", "template").
    /// </summary>
    public static Result<IReadOnlyList<T>> LoadFolder<T>(
        string directory,
        string what,
        Func<string, string, Result<T>> parse
    )
    {
        if (!Directory.Exists(directory))
            return Problem.NotFound($"The {what} folder '{directory}'");
        var entries = new List<T>();
        var problems = new List<Problem>();
        foreach (var path in Directory.GetFiles(directory, $"*{Extension}").Order(StringComparer.Ordinal))
        {
            var entry = parse(Path.GetFileName(path), File.ReadAllText(path));
            if (entry.Succeeded)
                entries.Add(entry.Value);
            else
                problems.AddRange(Flatten(entry.Problem!));
        }
        return problems.Count > 0 ? Problem.Invalid(problems) : entries;
    }

    /// <summary>One file's text deserialized; a syntax error is a problem naming the file and the line.</summary>
    public static Result<T> Read<T>(string fileName, string yaml)
        where T : class, new()
    {
        try
        {
            return Deserializer.Deserialize<T?>(yaml) ?? new T();
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Trim();
            return Problem.Invalid(fileName, $"{fileName}, line {e.Start.Line}: {reason}");
        }
    }

    /// <summary>The problem of a file that declares another entry than the one it is named after, or null.</summary>
    public static Problem? NameMismatch(string fileName, string? declared, string what)
    {
        var expected = Path.GetFileNameWithoutExtension(fileName);
        return declared == expected
            ? null
            : Problem.Invalid(
                "Name",
                $"The file declares {what} '{declared}'; a {what} file is named after its {what} "
                    + $"('{declared}{Extension}')."
            );
    }

    /// <summary><paramref name="problem"/> and its causes, each prefixed with the file they come from.</summary>
    public static Problem InFile(string fileName, Problem problem) =>
        problem.Causes.Count > 0
            ? problem with
            {
                Message = $"{fileName}: {problem.Message}",
                Causes = problem.Causes.Select(c => InFile(fileName, c)).ToList(),
            }
            : problem with
            {
                Field = $"{fileName}:{problem.Field}",
                Message = $"{fileName}: {problem.Field}: {problem.Message}",
            };

    /// <summary>A problem's causes, or the problem itself when it has none.</summary>
    public static IEnumerable<Problem> Flatten(Problem problem) =>
        problem.Causes.Count > 0 ? problem.Causes : [problem];
}
