using System.Diagnostics;
using System.Text;

namespace Portal.Infrastructure.Builds;

/// <summary>How a git command ended: its exit code and output, or that it ran out of time.</summary>
internal sealed record GitRun(int ExitCode, string Output, string Error, bool TimedOut)
{
    public bool Succeeded => !TimedOut && ExitCode == 0;
}

/// <summary>
/// Runs one git command as a child process with the session's environment, and kills it with every child it started
/// (remote helpers, ssh) when it runs out of time or the caller cancels: nothing is left running either way.
/// </summary>
internal static class GitProcess
{
    private const int MaxCapturedChars = 256 * 1024;

    public static async Task<GitRun> RunAsync(
        string git,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken ct
    )
    {
        var start = new ProcessStartInfo(git)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        // The portal's own Git and SSH settings must not steer a tenant's fetch: no inherited GIT_* variable, no agent.
        foreach (var name in start.Environment.Keys.ToList())
        {
            if (name.StartsWith("GIT_", StringComparison.Ordinal) || name.StartsWith("SSH_", StringComparison.Ordinal))
                start.Environment.Remove(name);
        }
        foreach (var (name, value) in environment)
            start.Environment[name] = value;

        using var process = new Process { StartInfo = start };
        process.Start();
        process.StandardInput.Close();
        var output = ReadBoundedAsync(process.StandardOutput);
        var error = ReadBoundedAsync(process.StandardError);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(output, error);
            ct.ThrowIfCancellationRequested();
            return new GitRun(-1, await output, await error, TimedOut: true);
        }
        return new GitRun(process.ExitCode, await output, await error, TimedOut: false);
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own meanwhile.
        }
    }

    private static async Task<string> ReadBoundedAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            if (text.Length < MaxCapturedChars)
                text.Append(buffer, 0, Math.Min(read, MaxCapturedChars - text.Length));
        }
        return text.ToString();
    }
}
