using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

[Collection(GitProcesses.Collection)]
public sealed class GitClientTests : IDisposable
{
    private readonly FixtureRepository _repo = new();
    private readonly string _workspace = Directory.CreateTempSubdirectory("git-client-tests-").FullName;
    private readonly GitClient _git = Client();

    private static GitClient Client(TimeSpan? timeout = null) =>
        new(
            Options.Create(
                new GitOptions
                {
                    ConnectTimeout = timeout ?? TimeSpan.FromSeconds(30),
                    FetchTimeout = timeout ?? TimeSpan.FromSeconds(60),
                }
            )
        );

    private GitRemote Remote => new(_repo.Url, GitCredential.None);

    private string Target => Path.Combine(_workspace, "checkout");

    [SkippableFact]
    public async Task A_branch_answers_with_the_commit_it_points_to()
    {
        var connection = await _git.TestConnectionAsync(Remote, "feature", default);

        Assert.Equal(new GitConnection(GitRefKind.Branch, _repo.FeatureCommit, ""), connection.Value);
    }

    [SkippableTheory]
    [InlineData("v1")]
    [InlineData("light")]
    public async Task A_tag_answers_with_the_commit_it_points_to_annotated_or_not(string tag)
    {
        var connection = await _git.TestConnectionAsync(Remote, tag, default);

        Assert.Equal(GitRefKind.Tag, connection.Value.RefKind);
        Assert.Equal(_repo.FirstCommit, connection.Value.Commit);
    }

    [SkippableFact]
    public async Task A_missing_branch_is_named_at_the_ref()
    {
        var connection = await _git.TestConnectionAsync(Remote, "nope", default);

        Assert.Equal("Ref", connection.Problem!.Field);
        Assert.Equal($"'{_repo.Url}' has no branch or tag named 'nope'.", connection.Problem.Message);
    }

    [SkippableFact]
    public async Task A_folder_that_is_not_a_repository_is_said_to_be_none()
    {
        var connection = await _git.TestConnectionAsync(
            new GitRemote(new Uri(_workspace).AbsoluteUri, GitCredential.None),
            "main",
            default
        );

        Assert.Equal("RepositoryUrl", connection.Problem!.Field);
        Assert.Contains("is not a Git repository", connection.Problem.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_closed_port_is_said_to_be_unreachable()
    {
        var connection = await _git.TestConnectionAsync(
            new GitRemote($"http://127.0.0.1:{ClosedPort()}/shop.git", GitCredential.None),
            "main",
            default
        );

        Assert.Equal(ProblemKind.Unavailable, connection.Problem!.Kind);
        Assert.Contains("could not be reached", connection.Problem.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task An_ssh_host_on_a_closed_port_is_said_to_be_unreachable_and_its_key_file_is_removed()
    {
        var before = SessionFolders();
        var key = GitCredential
            .Create(GitCredentialKind.SshKey, null, File.ReadAllText(SshKeyFile()), GitTransport.Ssh)
            .Value;

        var connection = await _git.TestConnectionAsync(
            new GitRemote($"ssh://git@127.0.0.1:{ClosedPort()}/acme/shop.git", key),
            "main",
            default
        );

        Assert.Equal(ProblemKind.Unavailable, connection.Problem!.Kind);
        Assert.Contains("could not be reached", connection.Problem.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", connection.Problem.Message, StringComparison.Ordinal);
        Assert.Equal(before, SessionFolders());
    }

    [SkippableFact]
    public async Task An_ssh_host_reached_without_a_key_on_a_closed_port_is_said_to_be_unreachable()
    {
        var connection = await _git.TestConnectionAsync(
            new GitRemote($"ssh://git@127.0.0.1:{ClosedPort()}/acme/shop.git", GitCredential.None),
            "main",
            default
        );

        Assert.Equal(ProblemKind.Unavailable, connection.Problem!.Kind);
    }

    private string SshKeyFile()
    {
        var path = Path.Combine(_workspace, "id_test");
        var made = Process.Start(
            new ProcessStartInfo("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path])
            {
                RedirectStandardOutput = true,
            }
        )!;
        made.WaitForExit();
        Skip.If(made.ExitCode != 0 && !GitTool.InCi, "ssh-keygen is not installed.");
        return path;
    }

    [SkippableFact]
    public async Task A_host_whose_name_does_not_resolve_is_said_to_be_unknown()
    {
        var connection = await _git.TestConnectionAsync(
            new GitRemote("https://no-such-host.invalid/acme/shop.git", GitCredential.None),
            "main",
            default
        );

        Assert.Equal("RepositoryUrl", connection.Problem!.Field);
        Assert.Contains("could not be found", connection.Problem.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_host_that_never_answers_runs_out_of_time_and_leaves_no_git_process()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var clock = Stopwatch.StartNew();

        var connection = await Client(TimeSpan.FromSeconds(2))
            .TestConnectionAsync(
                new GitRemote($"http://127.0.0.1:{port}/shop.git", GitCredential.None),
                "main",
                default
            );

        Assert.Equal(ProblemKind.Unavailable, connection.Problem!.Kind);
        Assert.Contains("did not answer within 2 seconds", connection.Problem.Message, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        Assert.Empty(GitProcesses.Children());
    }

    [SkippableFact]
    public async Task Cancelling_a_fetch_kills_git_and_leaves_no_directory()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _git.FetchAsync(
                new GitRemote($"http://127.0.0.1:{port}/shop.git", GitCredential.None),
                _repo.MainCommit,
                SourceSubDirectory.Root,
                Target,
                cancel.Token
            )
        );

        Assert.False(Path.Exists(Target));
        Assert.Empty(GitProcesses.Children());
    }

    [SkippableFact]
    public async Task A_branch_is_fetched_as_files_with_its_commit()
    {
        var checkout = await _git.FetchAsync(Remote, "main", SourceSubDirectory.Root, Target, default);

        var commit = checkout.Value.Commit;
        Assert.Equal(_repo.MainCommit, commit.Sha);
        Assert.Equal("Say hello to the world", commit.Subject);
        Assert.Equal(("Ada Lovelace", "ada@example.com"), (commit.Author, commit.AuthorEmail));
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 10, 0, 0, TimeSpan.FromHours(1)), commit.Time);
        Assert.Equal("print('hello, world')\n", File.ReadAllText(Path.Combine(Target, "services/api/server.py")));
        Assert.False(Path.Exists(Path.Combine(Target, ".git")));
        Assert.False(File.Exists(Path.Combine(Target, "feature.txt")));
    }

    [SkippableFact]
    public async Task A_commit_is_fetched_by_its_id()
    {
        var checkout = await _git.FetchAsync(
            Remote,
            _repo.FirstCommit,
            SourceSubDirectory.Parse("services/api").Value,
            Target,
            default
        );

        Assert.Equal("First commit", checkout.Value.Commit.Subject);
        Assert.Equal("print('hello')\n", File.ReadAllText(Path.Combine(Target, "services/api/server.py")));
    }

    [SkippableFact]
    public async Task An_annotated_tag_is_fetched_as_the_commit_it_points_to()
    {
        var checkout = await _git.FetchAsync(Remote, "v1", SourceSubDirectory.Root, Target, default);

        Assert.Equal(_repo.FirstCommit, checkout.Value.Commit.Sha);
    }

    [SkippableFact]
    public async Task A_missing_sub_directory_is_refused_and_leaves_no_directory()
    {
        var checkout = await _git.FetchAsync(
            Remote,
            "main",
            SourceSubDirectory.Parse("services/web").Value,
            Target,
            default
        );

        Assert.Equal("SubDirectory", checkout.Problem!.Field);
        Assert.Contains("has no folder 'services/web'", checkout.Problem.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(Target));
    }

    [SkippableFact]
    public async Task A_missing_branch_fetches_nothing_and_leaves_no_directory()
    {
        var checkout = await _git.FetchAsync(Remote, "nope", SourceSubDirectory.Root, Target, default);

        Assert.Equal("Ref", checkout.Problem!.Field);
        Assert.False(Path.Exists(Target));
    }

    [SkippableFact]
    public async Task An_unknown_commit_id_is_refused_and_leaves_no_directory()
    {
        var checkout = await _git.FetchAsync(Remote, new string('0', 40), SourceSubDirectory.Root, Target, default);

        Assert.Equal("Ref", checkout.Problem!.Field);
        Assert.False(Path.Exists(Target));
    }

    [SkippableFact]
    public async Task A_commit_with_a_link_out_of_the_repository_is_refused_and_leaves_no_directory()
    {
        File.CreateSymbolicLink(Path.Combine(_repo.Folder, "passwd"), "/etc/passwd");
        Directory.CreateDirectory(Path.Combine(_repo.Folder, "up"));
        File.CreateSymbolicLink(Path.Combine(_repo.Folder, "up", "self"), "..");
        _repo.Commit("Links", DateTimeOffset.UtcNow);

        var checkout = await _git.FetchAsync(Remote, "main", SourceSubDirectory.Root, Target, default);

        Assert.Contains("points outside the repository", checkout.Problem!.Message, StringComparison.Ordinal);
        Assert.False(Path.Exists(Target));
    }

    [SkippableFact]
    public async Task A_sub_directory_may_be_a_link_to_a_folder_inside_the_repository()
    {
        File.CreateSymbolicLink(Path.Combine(_repo.Folder, "api"), "services/api");
        _repo.Commit("Link the api", DateTimeOffset.UtcNow);

        var checkout = await _git.FetchAsync(Remote, "main", SourceSubDirectory.Parse("api").Value, Target, default);

        Assert.True(checkout.Succeeded, checkout.Problem?.Message);
    }

    [SkippableFact]
    public async Task Each_contact_removes_its_private_folder()
    {
        var before = SessionFolders();

        await _git.TestConnectionAsync(Remote, "main", default);
        await _git.TestConnectionAsync(Remote, "nope", default);
        await _git.FetchAsync(Remote, "main", SourceSubDirectory.Root, Target, default);

        Assert.Equal(before, SessionFolders());
    }

    [SkippableFact]
    public async Task Fetching_into_an_existing_directory_is_a_mistake_of_the_caller()
    {
        Directory.CreateDirectory(Target);

        await Assert.ThrowsAsync<ArgumentException>(() =>
            _git.FetchAsync(Remote, "main", SourceSubDirectory.Root, Target, default)
        );
    }

    internal static string[] SessionFolders() =>
        Directory.GetDirectories(Path.GetTempPath(), "portal-git-*").Order().ToArray();

    internal static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        _repo.Dispose();
        Directory.Delete(_workspace, recursive: true);
    }
}

/// <summary>
/// The Git tests that count processes and temporary folders run one at a time, so that one test's git is not
/// counted by another.
/// </summary>
[CollectionDefinition(Collection, DisableParallelization = true)]
public sealed class GitProcesses
{
    public const string Collection = "git processes";

    /// <summary>The git and ssh processes this test process started, directly or not, that still run.</summary>
    public static IReadOnlyList<string> Children()
    {
        var parents = new Dictionary<int, (int Parent, string Name)>();
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var name = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];
                var parent = int.Parse(
                    stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1],
                    System.Globalization.CultureInfo.InvariantCulture
                );
                parents[pid] = (parent, name);
            }
            catch (IOException)
            {
                // Ended while being read.
            }
        }
        bool Descends(int pid)
        {
            for (var hops = 0; hops < 64 && parents.TryGetValue(pid, out var entry); hops++)
            {
                if (entry.Parent == Environment.ProcessId)
                    return true;
                pid = entry.Parent;
            }
            return false;
        }
        return parents
            .Where(p => (p.Value.Name.StartsWith("git", StringComparison.Ordinal) || p.Value.Name == "ssh"))
            .Where(p => Descends(p.Key))
            .Select(p => $"{p.Key} {p.Value.Name}")
            .ToList();
    }
}
