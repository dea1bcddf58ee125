using System.Globalization;
using System.Text.Json;
using Portal.Domain.Applications;

namespace Portal.Infrastructure.Builds;

/// <summary>One instruction of a Dockerfile: its keyword in capitals and the rest, continuation lines joined.</summary>
public sealed record DockerfileInstruction(string Keyword, string Arguments, int Line);

/// <summary>
/// A Dockerfile read instruction by instruction, as much as the portal needs: its stages, the images they start from,
/// and whether the last one makes an image the portal can run (<see cref="Problems"/>). Not a full parser: what a
/// builder alone would refuse is left to the builder.
/// </summary>
public sealed class DockerfileShape
{
    private DockerfileShape(IReadOnlyList<IReadOnlyList<DockerfileInstruction>> stages, IReadOnlyList<string> images)
    {
        Stages = stages;
        BaseImages = images;
    }

    /// <summary>The instructions of each stage, FROM first; instructions before the first FROM are not kept.</summary>
    public IReadOnlyList<IReadOnlyList<DockerfileInstruction>> Stages { get; }

    /// <summary>The images the stages start from (not earlier stages), each once, in order.</summary>
    public IReadOnlyList<string> BaseImages { get; }

    public static DockerfileShape Read(string text)
    {
        var stages = new List<List<DockerfileInstruction>>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var images = new List<string>();
        foreach (var instruction in Instructions(text))
        {
            if (instruction.Keyword == "FROM")
            {
                var words = instruction
                    .Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Where(w => !w.StartsWith("--", StringComparison.Ordinal))
                    .ToList();
                if (words.Count > 0 && !names.Contains(words[0]) && !images.Contains(words[0]))
                    images.Add(words[0]);
                if (words.Count == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase))
                    names.Add(words[2]);
                stages.Add([instruction]);
            }
            else if (stages.Count > 0)
            {
                stages[^1].Add(instruction);
            }
        }
        return new DockerfileShape(stages, images);
    }

    /// <summary>
    /// Why the image the last stage makes is not one the portal runs, one sentence each: it must start from an image
    /// reference, set a WORKDIR, run as a numeric non-root user, expose <paramref name="port"/>, and start with an
    /// exec-form ENTRYPOINT or CMD; every exec form must be a JSON array of strings.
    /// </summary>
    public IReadOnlyList<string> Problems(int port)
    {
        var problems = new List<string>();
        if (Stages.Count == 0)
            return ["The Dockerfile has no FROM."];
        foreach (var image in BaseImages)
        {
            if (!ImageReference.Parse(image).Succeeded)
                problems.Add($"FROM {image}: '{image}' is not an image reference.");
        }
        foreach (var instruction in Stages.SelectMany(s => s))
        {
            if (
                instruction.Keyword is "RUN" or "CMD" or "ENTRYPOINT"
                && instruction.Arguments.StartsWith('[')
                && ExecForm(instruction.Arguments) is null
            )
                problems.Add($"Line {instruction.Line}: {instruction.Keyword} is not a JSON array of strings.");
        }
        var last = Stages[^1];
        if (!last.Any(i => i.Keyword == "WORKDIR"))
            problems.Add("The last stage sets no WORKDIR.");
        var user = last.LastOrDefault(i => i.Keyword == "USER")?.Arguments;
        if (user is null || !IsNonRootUid(user))
            problems.Add(
                $"The last stage must run as a numeric user other than root (USER 10001:10001), not "
                    + $"{(user is null ? "no USER" : $"'{user}'")}."
            );
        var exposed = last.Where(i => i.Keyword == "EXPOSE")
            .SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(p => p.Split('/')[0])
            .ToList();
        if (!exposed.Contains(port.ToString(CultureInfo.InvariantCulture)))
            problems.Add($"The last stage does not EXPOSE the port {port}.");
        var start = last.LastOrDefault(i => i.Keyword is "ENTRYPOINT" or "CMD");
        if (start is null || ExecForm(start.Arguments) is not { Count: > 0 })
            problems.Add("The last stage has no ENTRYPOINT or CMD in exec form (a JSON array).");
        return problems;
    }

    /// <summary>The arguments of an exec form, or null when the text is not a JSON array of strings.</summary>
    public static IReadOnlyList<string>? ExecForm(string arguments)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(arguments) is { } list && list.All(a => a is not null)
                ? list
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool IsNonRootUid(string user)
    {
        var parts = user.Split(':');
        return parts.Length <= 2
            && parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit))
            && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && uid > 0;
    }

    /// <summary>The instructions, with comments and blank lines skipped and lines ending in '\' joined.</summary>
    private static IEnumerable<DockerfileInstruction> Instructions(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var first = i;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                if (next.StartsWith('#'))
                    continue;
                joined = joined[..^1].TrimEnd() + " " + next;
            }
            var space = joined.IndexOfAny([' ', '\t']);
            yield return space < 0
                ? new DockerfileInstruction(joined.ToUpperInvariant(), "", first + 1)
                : new DockerfileInstruction(
                    joined[..space].ToUpperInvariant(),
                    joined[(space + 1)..].Trim(),
                    first + 1
                );
        }
    }
}
