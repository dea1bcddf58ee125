using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// A portal whose Git client is the real one, reaching <c>https://git.example.com/{name}.git</c> as a repository made
/// with the git CLI in a folder of the test (no network), and whose registry is a stand-in that lists what a test put
/// there: the registry's own protocol is proven against the real one in the infrastructure tests.
/// </summary>
public sealed class SourcesPortal : IAsyncLifetime
{
    public const string GitHost = "git.example.com";

    private PortalFactory? _factory;
    private string? _unavailable;

    public LocalGitHost Git { get; } = new();
    public ListedRegistry Registry { get; } = new();

    public PortalFactory Factory
    {
        get
        {
            Skip.If(_unavailable is not null, _unavailable);
            return _factory!;
        }
    }

    public Task InitializeAsync()
    {
        if (!LocalGitHost.GitInstalled)
        {
            if (TestDatabases.InCi)
                throw new InvalidOperationException("CI=true but git is not installed.");
            _unavailable = "git is not installed: apt-get install git.";
            return Task.CompletedTask;
        }
        _factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:Builds:Git:AllowedHosts:0"] = GitHost }
        )
        {
            TestServices = services =>
            {
                services.AddSingleton<IGitClient>(Git);
                services.AddTransient<IImageRegistry>(_ => Registry);
            },
        };
        _ = _factory.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_factory is not null)
            await _factory.DisposeAsync();
        Git.Dispose();
    }
}

/// <summary>
/// The real <see cref="GitClient"/>, with the repositories of <see cref="SourcesPortal.GitHost"/> served from local
/// folders: <c>https://git.example.com/shop.git</c> is the folder <c>shop.git</c> of <see cref="Root"/>, reached as
/// <c>file://</c>. What it was asked (the credential included) is kept, to check what reached the host.
/// </summary>
public sealed class LocalGitHost : IGitClient, IDisposable
{
    private readonly GitClient _git = new(Options.Create(new GitOptions()));

    public string Root { get; } = Directory.CreateTempSubdirectory("portal-web-git-").FullName;
    public List<GitRemote> Asked { get; } = [];

    public static bool GitInstalled => Run(Path.GetTempPath(), "--version").ExitCode == 0;

    /// <summary>A repository with one commit on <c>main</c> and a tag <c>v1.0</c>; answers its commit id.</summary>
    public string Repository(string name)
    {
        var folder = Path.Combine(Root, name + ".git");
        Directory.CreateDirectory(folder);
        Git(folder, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(folder, "index.html"), $"<h1>{name}</h1>");
        Git(folder, "add", ".");
        Git(folder, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "first");
        Git(folder, "tag", "v1.0");
        return Git(folder, "rev-parse", "HEAD").Output.Trim();
    }

    /// <summary>
    /// Commits a file to <c>main</c> of the repository <paramref name="name"/>; answers the new commit id.
    /// </summary>
    public string Commit(string name, string file, string content)
    {
        var folder = Path.Combine(Root, name + ".git");
        File.WriteAllText(Path.Combine(folder, file), content);
        Git(folder, "add", ".");
        Git(folder, "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit", "-q", "-m", file);
        return Git(folder, "rev-parse", "HEAD").Output.Trim();
    }

    public static string Url(string name) => $"https://{SourcesPortal.GitHost}/{name}.git";

    public Task<Result<GitConnection>> TestConnectionAsync(GitRemote remote, string refName, CancellationToken ct)
    {
        lock (Asked)
            Asked.Add(remote);
        return _git.TestConnectionAsync(Local(remote), refName, ct);
    }

    public Task<Result<GitCheckout>> FetchAsync(
        GitRemote remote,
        string refOrCommit,
        SourceSubDirectory subDirectory,
        string directory,
        CancellationToken ct
    ) => _git.FetchAsync(Local(remote), refOrCommit, subDirectory, directory, ct);

    private GitRemote Local(GitRemote remote)
    {
        var prefix = $"https://{SourcesPortal.GitHost}/";
        return remote.Url.StartsWith(prefix, StringComparison.Ordinal)
            ? remote with
            {
                Url = new Uri(Path.Combine(Root, remote.Url[prefix.Length..])).AbsoluteUri,
                Credential = GitCredential.None,
            }
            : remote;
    }

    /// <summary>Runs git in <paramref name="folder"/>; a failure fails the test with git's words.</summary>
    internal static (int ExitCode, string Output) Git(string folder, params string[] arguments)
    {
        var result = Run(folder, arguments);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', arguments)}: {result.Output}");
        return result;
    }

    private static (int ExitCode, string Output) Run(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// A registry that lists the tags a test pushed "on paper", and answers as unreachable for the repositories a test
/// says so of (as the portal's registry answers when docker-registry is not installed).
/// </summary>
public sealed class ListedRegistry : IImageRegistry
{
    private readonly Dictionary<string, List<(string Tag, RegistryManifest Manifest)>> _tags = [];
    private readonly HashSet<string> _unreachable = [];

    public string Host => "127.0.0.1:5000";

    public void Push(string repository, string tag, string digest, long size)
    {
        lock (_tags)
        {
            if (!_tags.TryGetValue(repository, out var list))
                _tags[repository] = list = [];
            list.Add((tag, new RegistryManifest(digest, "application/vnd.oci.image.manifest.v1+json", size, false)));
        }
    }

    public void Unreachable(string repository)
    {
        lock (_tags)
            _unreachable.Add(repository);
    }

    public Task<Result> PingAsync(CancellationToken ct) => Task.FromResult(Result.Ok());

    public Task<Result<IReadOnlyList<string>>> ListTagsAsync(ImageRepository repository, CancellationToken ct)
    {
        lock (_tags)
        {
            if (_unreachable.Contains(repository.Value))
                return Task.FromResult<Result<IReadOnlyList<string>>>(Down());
            IReadOnlyList<string> tags = _tags.TryGetValue(repository.Value, out var list)
                ? list.Select(t => t.Tag).Order(StringComparer.Ordinal).ToList()
                : [];
            return Task.FromResult(Result<IReadOnlyList<string>>.Ok(tags));
        }
    }

    public Task<Result<RegistryManifest>> GetManifestAsync(
        ImageRepository repository,
        string reference,
        CancellationToken ct
    )
    {
        lock (_tags)
        {
            var found = _tags.GetValueOrDefault(repository.Value)?.FirstOrDefault(t => t.Tag == reference);
            return Task.FromResult<Result<RegistryManifest>>(
                found is { } tag ? tag.Manifest : Problem.NotFound($"The tag '{reference}'")
            );
        }
    }

    /// <summary>Deletes every tag of the digest, as the registry's manifest DELETE does.</summary>
    public Task<Result> DeleteManifestAsync(ImageRepository repository, string digest, CancellationToken ct)
    {
        lock (_tags)
        {
            var removed = _tags.TryGetValue(repository.Value, out var list)
                ? list.RemoveAll(t => t.Manifest.Digest == digest)
                : 0;
            return Task.FromResult(removed > 0 ? Result.Ok() : Problem.NotFound($"Manifest {digest}"));
        }
    }

    private static Problem Down() =>
        Problem.Unavailable(
            "docker-registry is not installed, so the embedded image registry cannot start: "
                + "apt-get install docker-registry."
        );
}
