namespace Portal.Domain.Tests;

/// <summary>
/// The house format keeps C# lines within 120 columns (see <c>.editorconfig</c>). CSharpier lays out code and the
/// build checks it, but it leaves comments and string literals alone, and Razor views: this test holds them to the
/// limit.
/// </summary>
public sealed class SourceLineLengthTests
{
    private const int Limit = 120;

    [Fact]
    public void No_line_of_csharp_source_is_longer_than_120_columns()
    {
        var root = RepositoryRoot();
        var tooLong = new[] { "src", "tests", "benchmarks" }
            .SelectMany(folder =>
                Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories)
            )
            .Where(path => !IsBuildOutput(path))
            .SelectMany(path => LongLines(root, path))
            .ToList();

        Assert.True(
            tooLong.Count == 0,
            $"{tooLong.Count} lines are longer than {Limit} columns:\n" + string.Join("\n", tooLong.Take(40))
        );
    }

    [Fact]
    public void No_line_of_a_razor_view_is_longer_than_120_columns()
    {
        var root = RepositoryRoot();
        var tooLong = Directory
            .EnumerateFiles(Path.Combine(root, "src"), "*.cshtml", SearchOption.AllDirectories)
            .Where(path => !IsBuildOutput(path))
            .SelectMany(path =>
                File.ReadLines(path)
                    .Select((line, index) => (line, number: index + 1))
                    .Where(l => l.line.Length > Limit)
                    .Select(l => $"{Path.GetRelativePath(root, path)}:{l.number} ({l.line.Length})")
            )
            .ToList();

        Assert.True(
            tooLong.Count == 0,
            $"{tooLong.Count} lines are longer than {Limit} columns:\n" + string.Join("\n", tooLong.Take(40))
        );
    }

    /// <summary>
    /// Lines over the limit, leaving out what cannot be wrapped without changing it: the content of raw string
    /// literals (YAML, JSON, scripts kept as they are read), and a test method's name, which is its sentence.
    /// </summary>
    private static IEnumerable<string> LongLines(string root, string path)
    {
        var inRaw = false;
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var raw = Occurrences(line, "\"\"\"");
            var exempt = inRaw || raw > 0 || TestName.IsMatch(line);
            if (raw % 2 == 1)
            {
                inRaw = !inRaw;
            }
            if (!exempt && line.Length > Limit)
            {
                yield return $"{Path.GetRelativePath(root, path)}:{number} ({line.Length})";
            }
        }
    }

    private static readonly System.Text.RegularExpressions.Regex TestName = new(
        @"^\s*public (async Task|void) [A-Z][A-Za-z0-9_]*\(\)?$"
    );

    private static int Occurrences(string line, string text)
    {
        var count = 0;
        for (
            var at = line.IndexOf(text, StringComparison.Ordinal);
            at >= 0;
            at = line.IndexOf(text, at + text.Length, StringComparison.Ordinal)
        )
        {
            count++;
        }
        return count;
    }

    private static bool IsBuildOutput(string path) =>
        path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");

    private static string RepositoryRoot()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (File.Exists(Path.Combine(directory.FullName, "PaaS.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("PaaS.sln was not found above " + AppContext.BaseDirectory);
    }
}
