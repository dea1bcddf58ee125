using System.Globalization;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds;

/// <summary>
/// <see cref="IGitClient"/> over the <c>git</c> command: <c>ls-remote</c> to test a connection, a shallow fetch of one
/// commit to get the code. Each call runs in its own <see cref="GitSession"/>, removed on every path.
/// </summary>
public sealed class GitClient(IOptions<GitOptions> options) : IGitClient
{
    private readonly GitOptions _options = options.Value;

    public async Task<Result<GitConnection>> TestConnectionAsync(GitRemote remote, string refName, CancellationToken ct)
    {
        using var session = GitSession.Open(remote);
        var found = await ResolveAsync(session, remote, refName, ct);
        return found.Succeeded
            ? new GitConnection(found.Value.Kind, found.Value.Commit, session.KnownHosts)
            : found.Problem!;
    }

    public async Task<Result<GitCheckout>> FetchAsync(
        GitRemote remote,
        string refOrCommit,
        SourceSubDirectory subDirectory,
        string directory,
        CancellationToken ct
    )
    {
        var target = Path.GetFullPath(directory);
        if (Path.Exists(target))
            throw new ArgumentException($"'{target}' exists already; a fetch goes into a fresh directory.");
        var kept = false;
        try
        {
            var fetched = await FetchIntoAsync(remote, refOrCommit, subDirectory, target, ct);
            kept = fetched.Succeeded;
            return fetched;
        }
        finally
        {
            if (!kept)
                SourceLinks.Remove(target);
        }
    }

    private async Task<Result<GitCheckout>> FetchIntoAsync(
        GitRemote remote,
        string refOrCommit,
        SourceSubDirectory subDirectory,
        string target,
        CancellationToken ct
    )
    {
        using var session = GitSession.Open(remote);
        string wanted;
        if (IsCommitId(refOrCommit))
            wanted = refOrCommit.ToLowerInvariant();
        else
        {
            var found = await ResolveAsync(session, remote, refOrCommit, ct);
            if (!found.Succeeded)
                return found.Problem!;
            wanted = found.Value.FullName;
        }
        Directory.CreateDirectory(target);
        var init = await RunAsync(session, target, _options.ConnectTimeout, ct, "init", "-q", "--template=", ".");
        if (!init.Succeeded)
            throw new InvalidOperationException($"git init failed in a fresh directory: {init.Error.Trim()}");
        var fetch = await RunAsync(
            session,
            target,
            _options.FetchTimeout,
            ct,
            "-c",
            "credential.helper=",
            "fetch",
            "--quiet",
            "--depth=1",
            "--no-tags",
            "--no-recurse-submodules",
            remote.Url,
            wanted
        );
        if (fetch.TimedOut)
            return GitFailures.TimedOut(Shown(session, remote), _options.FetchTimeout);
        if (!fetch.Succeeded)
            return IsCommitId(refOrCommit) && IsMissingObject(fetch.Error)
                ? Problem.Invalid(
                    GitRefName.Field,
                    $"'{Shown(session, remote)}' has no commit {refOrCommit}, or does not let it be fetched by id."
                )
                : GitFailures.Of(session.Scrub(fetch.Error), Shown(session, remote), remote.Credential);
        var checkout = await RunAsync(
            session,
            target,
            _options.FetchTimeout,
            ct,
            "-c",
            "advice.detachedHead=false",
            "checkout",
            "-q",
            "--detach",
            "FETCH_HEAD"
        );
        if (!checkout.Succeeded)
            return Problem.Invalid(
                GitRefName.Field,
                $"The commit could not be checked out: {session.Scrub(checkout.Error).Trim()}"
            );
        var log = await RunAsync(
            session,
            target,
            _options.ConnectTimeout,
            ct,
            "log",
            "-1",
            "--format=%H%x00%s%x00%an%x00%ae%x00%aI",
            "HEAD"
        );
        if (!log.Succeeded)
            throw new InvalidOperationException($"git log failed after a checkout: {log.Error.Trim()}");
        var commit = ParseCommit(log.Output);
        Directory.Delete(Path.Combine(target, ".git"), recursive: true);

        if (SourceLinks.EscapingLink(target) is { } link)
            return Problem.Invalid(
                GitRefName.Field,
                $"Commit {commit.ShortSha} holds the symbolic link '{link}', which points outside the repository; "
                    + "the portal does not build from it."
            );
        if (!subDirectory.IsRoot && !SourceLinks.IsFolderInside(target, subDirectory.Value))
            return Problem.Invalid(
                SourceSubDirectory.Field,
                $"Commit {commit.ShortSha} has no folder '{subDirectory.Value}'."
            );
        return new GitCheckout(commit, session.KnownHosts);
    }

    private sealed record FoundRef(GitRefKind Kind, string FullName, string Commit);

    private async Task<Result<FoundRef>> ResolveAsync(
        GitSession session,
        GitRemote remote,
        string refName,
        CancellationToken ct
    )
    {
        var name = GitRefName.Parse(refName);
        if (!name.Succeeded)
            return name.Problem!;
        var branch = $"refs/heads/{name.Value.Value}";
        var tag = $"refs/tags/{name.Value.Value}";
        var run = await RunAsync(
            session,
            session.Folder,
            _options.ConnectTimeout,
            ct,
            "-c",
            "credential.helper=",
            "ls-remote",
            remote.Url,
            branch,
            tag,
            tag + "^{}"
        );
        if (run.TimedOut)
            return GitFailures.TimedOut(Shown(session, remote), _options.ConnectTimeout);
        if (!run.Succeeded)
            return GitFailures.Of(session.Scrub(run.Error), Shown(session, remote), remote.Credential);
        var refs = run
            .Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t'))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[1], parts => parts[0], StringComparer.Ordinal);
        if (refs.TryGetValue(branch, out var branchCommit))
            return new FoundRef(GitRefKind.Branch, branch, branchCommit);
        if (refs.TryGetValue(tag + "^{}", out var peeled) || refs.TryGetValue(tag, out peeled))
            return new FoundRef(GitRefKind.Tag, tag, peeled);
        return Problem.Invalid(
            GitRefName.Field,
            $"'{Shown(session, remote)}' has no branch or tag named '{name.Value.Value}'."
        );
    }

    private Task<GitRun> RunAsync(
        GitSession session,
        string workingDirectory,
        TimeSpan timeout,
        CancellationToken ct,
        params string[] arguments
    ) => GitProcess.RunAsync(_options.GitPath, arguments, session.Environment, workingDirectory, timeout, ct);

    private static string Shown(GitSession session, GitRemote remote) => session.Scrub(remote.Url);

    private static bool IsCommitId(string value) => value.Length == 40 && value.All(char.IsAsciiHexDigit);

    private static bool IsMissingObject(string error) =>
        error.Contains("not our ref", StringComparison.OrdinalIgnoreCase)
        || error.Contains("remote error", StringComparison.OrdinalIgnoreCase)
        || error.Contains("couldn't find remote ref", StringComparison.OrdinalIgnoreCase)
        || error.Contains("unadvertised object", StringComparison.OrdinalIgnoreCase);

    private static GitCommit ParseCommit(string output)
    {
        var parts = output.TrimEnd('\n').Split('\0');
        if (parts.Length != 5)
            throw new InvalidOperationException($"Unexpected git log output: {output}");
        return new GitCommit(
            parts[0],
            parts[1],
            parts[2],
            parts[3],
            DateTimeOffset.Parse(parts[4], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
        );
    }
}
