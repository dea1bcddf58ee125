using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;

namespace Portal.Infrastructure.Tests.Builds.Kubernetes;

/// <summary>
/// The reviewed renderings of a build's objects, kept beside these tests. Set UPDATE_GOLDEN=1 to rewrite them after an
/// intended change, then review the diff before committing; any other difference fails.
/// </summary>
internal static class BuildJobGolden
{
    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Null when the object matches its golden file; else what differs.</summary>
    public static string? Check(string fileName, object rendered)
    {
        var actual = JsonNode.Parse(KubernetesJson.Serialize(rendered))!.ToJsonString(Pretty) + "\n";
        var path = Path.Combine(Folder(), fileName);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual);
            return null;
        }
        if (!File.Exists(path))
            return $"{fileName}: no golden file. Run the tests with UPDATE_GOLDEN=1 to write it, and review it.";
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected == actual)
            return null;
        var (was, now) = (expected.Split('\n'), actual.Split('\n'));
        var line = 0;
        while (line < was.Length && line < now.Length && was[line] == now[line])
            line++;
        return $"{fileName} differs from its golden file; if the change is intended, run the tests with "
            + $"UPDATE_GOLDEN=1 and review the diff. First difference at line {line + 1}:\n"
            + $"  expected: {(line < was.Length ? was[line].Trim() : "(end)")}\n"
            + $"  rendered: {(line < now.Length ? now[line].Trim() : "(end)")}";
    }

    private static string Folder()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (directory.GetFiles("Portal.Infrastructure.Tests.csproj").Length > 0)
                return Path.Combine(directory.FullName, "Builds", "Kubernetes");
        }
        throw new InvalidOperationException(
            "The test project's folder was not found above " + AppContext.BaseDirectory
        );
    }
}
