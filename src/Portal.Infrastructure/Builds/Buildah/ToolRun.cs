using System.Diagnostics;
using System.Text;

namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>
/// Runs a command-line tool: its lines go to a callback as they come, with every secret blanked out; the last ones
/// are kept for a failure's message. Cancelling kills the tool with every process it started.
/// </summary>
public static class ToolRun
{
    public const string Blanked = "***";

    /// <param name="captureOutput">Keep standard output whole (for JSON) instead of passing it on by line.</param>
    public static async Task<ToolOutcome> RunAsync(
        string executable,
        IEnumerable<string> arguments,
        Action<string>? onLine,
        IReadOnlyCollection<string> secrets,
        CancellationToken ct,
        bool captureOutput = false,
        IReadOnlyDictionary<string, string>? environment = null,
        int keptLines = 40
    )
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;

        ct.ThrowIfCancellationRequested();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        process.StandardInput.Close();
        var last = new Queue<string>();
        var output = new StringBuilder();
        void Line(string line)
        {
            var clean = Scrub(line, secrets);
            // Standard output and error are read at once: the callback hears one line at a time all the same.
            lock (last)
            {
                last.Enqueue(clean);
                if (last.Count > keptLines)
                    last.Dequeue();
                onLine?.Invoke(clean);
            }
        }

        try
        {
            var readOutput = captureOutput
                ? CopyAsync(process.StandardOutput, output, ct)
                : ReadLinesAsync(process.StandardOutput, Line, ct);
            var readErrors = ReadLinesAsync(process.StandardError, Line, ct);
            await Task.WhenAll(readOutput, readErrors);
            await process.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw;
        }
        lock (last)
            return new ToolOutcome(process.ExitCode, Scrub(output.ToString(), secrets), last.ToList());
    }

    /// <summary>The line with each secret (of four characters or more) replaced by <see cref="Blanked"/>.</summary>
    public static string Scrub(string line, IReadOnlyCollection<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (secret.Length >= 4)
                line = line.Replace(secret, Blanked, StringComparison.Ordinal);
        }
        return line;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(30));
        }
        catch (InvalidOperationException) { }
    }

    private static async Task ReadLinesAsync(StreamReader reader, Action<string> line, CancellationToken ct)
    {
        while (await reader.ReadLineAsync(ct) is { } text)
            line(text);
    }

    private static async Task CopyAsync(StreamReader reader, StringBuilder output, CancellationToken ct) =>
        output.Append(await reader.ReadToEndAsync(ct));
}

/// <summary>How a tool ended: its exit code, its standard output when captured, and its last lines.</summary>
public sealed record ToolOutcome(int ExitCode, string Output, IReadOnlyList<string> LastLines)
{
    public bool Succeeded => ExitCode == 0;
}
