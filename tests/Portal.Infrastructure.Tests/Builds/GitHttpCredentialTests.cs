using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

[Collection(GitProcesses.Collection)]
public sealed class GitHttpCredentialTests : IAsyncLifetime
{
    private const string Password = "pw-Zq81-never-shown";
    private readonly FixtureRepository _repo = new();
    private readonly string _workspace = Directory.CreateTempSubdirectory("git-http-tests-").FullName;
    private readonly GitClient _git = new(Options.Create(new GitOptions()));
    private GitHttpServer? _server;
    private string _url = "";

    public async Task InitializeAsync()
    {
        _server = await GitHttpServer.StartAsync("deployer", Password);
        _url = Server.Serve(_repo, "shop.git");
    }

    private static GitCredential UserPassword(string user, string password) =>
        GitCredential.Create(GitCredentialKind.UserPassword, user, password, GitTransport.Https).Value;

    [SkippableFact]
    public async Task The_right_user_and_password_connect_through_basic_authentication()
    {
        var connection = await _git.TestConnectionAsync(
            new GitRemote(_url, UserPassword("deployer", Password)),
            "main",
            default
        );

        Assert.Equal(_repo.MainCommit, connection.Value.Commit);
        Assert.DoesNotContain(Server.SeenPaths, path => path.Contains(Password, StringComparison.Ordinal));
        Assert.Empty(Server.CommandLinesWithPassword);
    }

    [SkippableFact]
    public async Task The_right_credential_fetches_the_commit()
    {
        var target = Path.Combine(_workspace, "checkout");

        var checkout = await _git.FetchAsync(
            new GitRemote(_url, UserPassword("deployer", Password)),
            "feature",
            SourceSubDirectory.Root,
            target,
            default
        );

        Assert.Equal(_repo.FeatureCommit, checkout.Value.Commit.Sha);
        Assert.Empty(Server.CommandLinesWithPassword);
        Assert.True(File.Exists(Path.Combine(target, "feature.txt")));
    }

    [SkippableFact]
    public async Task A_wrong_password_is_said_to_be_refused_without_being_repeated()
    {
        var wrong = "wrong-" + Password;

        var connection = await _git.TestConnectionAsync(
            new GitRemote(_url, UserPassword("deployer", wrong)),
            "main",
            default
        );

        Assert.Equal("Secret", connection.Problem!.Field);
        Assert.Equal(
            $"'{_url}' refused the credential: check that it is current and may read the repository.",
            connection.Problem.Message
        );
        Assert.DoesNotContain(Password, connection.Problem.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_token_is_sent_as_the_password_of_a_fixed_user()
    {
        var token = GitCredential.Create(GitCredentialKind.Token, null, Password, GitTransport.Https).Value;

        var connection = await _git.TestConnectionAsync(new GitRemote(_url, token), "main", default);

        Assert.Equal("Secret", connection.Problem!.Field);
        Assert.Contains(
            "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"x-access-token:{Password}")),
            Server.SeenAuthorizations
        );
    }

    [SkippableFact]
    public async Task A_repository_that_asks_for_a_credential_when_none_is_given_says_so()
    {
        var connection = await _git.TestConnectionAsync(new GitRemote(_url, GitCredential.None), "main", default);

        Assert.Equal("CredentialKind", connection.Problem!.Field);
        Assert.Contains("asks for a credential", connection.Problem.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_missing_repository_on_the_server_is_said_to_be_none()
    {
        var connection = await _git.TestConnectionAsync(
            new GitRemote($"{Server.BaseUrl}/other.git", UserPassword("deployer", Password)),
            "main",
            default
        );

        Assert.Equal("RepositoryUrl", connection.Problem!.Field);
        Assert.Contains("is not a Git repository", connection.Problem.Message, StringComparison.Ordinal);
    }

    private GitHttpServer Server => _server ?? throw new InvalidOperationException("Not started.");

    public async Task DisposeAsync()
    {
        if (_server is not null)
            await _server.DisposeAsync();
        _repo.Dispose();
        Directory.Delete(_workspace, recursive: true);
    }
}
