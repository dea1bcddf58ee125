using System.Diagnostics;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// A Git repository made by the test with the git command in a temporary folder, reached as a <c>file://</c> URL:
/// commits on <c>main</c>, a branch <c>feature</c>, an annotated tag <c>v1</c> and a lightweight one <c>light</c>, and
/// the application in <c>services/api</c>. Removed when disposed.
/// </summary>
public sealed class FixtureRepository : IDisposable
{
    public string Folder { get; }
    public string Url => new Uri(Folder).AbsoluteUri;

    /// <summary>The first commit of main, which v1 and light point to.</summary>
    public string FirstCommit { get; }

    public string MainCommit { get; }
    public string FeatureCommit { get; }

    public FixtureRepository()
    {
        GitTool.Require();
        Folder = Directory.CreateTempSubdirectory("fixture-repo-").FullName;
        try
        {
            Git("init", "-q", "-b", "main");
            Write("README.md", "# Shop\n");
            Write("services/api/server.py", "print('hello')\n");
            Commit("First commit", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
            FirstCommit = Git("rev-parse", "HEAD");
            Git("tag", "-a", "v1", "-m", "Version 1");
            Git("tag", "light");
            Git("checkout", "-q", "-b", "feature");
            Write("feature.txt", "feature\n");
            Commit("Add the feature", new DateTimeOffset(2026, 1, 3, 0, 0, 0, TimeSpan.Zero));
            FeatureCommit = Git("rev-parse", "HEAD");
            Git("checkout", "-q", "main");
            Write("services/api/server.py", "print('hello, world')\n");
            Commit("Say hello to the world", new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.FromHours(1)));
            MainCommit = Git("rev-parse", "HEAD");
        }
        catch
        {
            Directory.Delete(Folder, recursive: true);
            throw;
        }
    }

    public void Write(string path, string content)
    {
        var full = Path.Combine(Folder, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
    }

    /// <summary>Commits everything on the current branch as Ada Lovelace at <paramref name="at"/>.</summary>
    public string Commit(string message, DateTimeOffset at)
    {
        Git("add", "-A");
        Git(
            ["commit", "-q", "-m", message, "--date", at.ToString("O")],
            new Dictionary<string, string> { ["GIT_COMMITTER_DATE"] = at.ToString("O") }
        );
        return Git("rev-parse", "HEAD");
    }

    public string Git(params string[] arguments) => Git(arguments, null);

    private string Git(string[] arguments, Dictionary<string, string>? environment) =>
        GitTool.Run(Folder, arguments, environment);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>Finds the git command, runs it for fixtures, and skips a test without it — except under CI=true.</summary>
public static class GitTool
{
    private static readonly Lazy<bool> Present = new(() =>
    {
        try
        {
            Run(Path.GetTempPath(), ["--version"]);
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return false;
        }
    });

    public static bool InCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static void Require()
    {
        if (Present.Value)
            return;
        if (InCi)
            throw new InvalidOperationException("CI=true but git is not installed: the Git source tests cannot run.");
        Skip.If(true, "git is not installed; the Git source tests run in CI (.ci/run).");
    }

    public static string Run(string folder, string[] arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["GIT_AUTHOR_NAME"] = "Ada Lovelace";
        start.Environment["GIT_AUTHOR_EMAIL"] = "ada@example.com";
        start.Environment["GIT_COMMITTER_NAME"] = "Ada Lovelace";
        start.Environment["GIT_COMMITTER_EMAIL"] = "ada@example.com";
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        foreach (var (name, value) in environment ?? [])
            start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {error}");
        return output.Trim();
    }
}
