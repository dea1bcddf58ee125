using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the builds journey: the sandbox cluster, the embedded registry (Debian's docker-registry) and buildah
/// in folders of their own, and a Git client that reaches <c>https://git.example.com/{name}</c> as a repository the
/// test makes with the git CLI (the real client fetches it over file://, as no TLS forge runs here).
/// </summary>
public sealed class BuildsPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Builds:Registry:Embedded"] = "true",
            ["Portal:Builds:Registry:EmbeddedDataDirectory"] = Path.Combine(Folder, "registry"),
            ["Portal:Builds:Buildah:StorageDirectory"] = Path.Combine(Folder, "builds"),
            ["Portal:Builds:Git:AllowedHosts:0"] = GitHost,
        },
        services => services.AddSingleton<IGitClient>(new LocalForge(Path.Combine(Folder, "forge")))
    )
{
    public const string GitHost = "git.example.com";

    public static readonly string Folder = Directory.CreateTempSubdirectory("portal-builds-journey-").FullName;

    public static string Forge => Path.Combine(Folder, "forge");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Whatever buildah's storage kept is left to the temporary folder's own cleanup.
        }
    }

    /// <summary>Why builds cannot run here (a tool missing), or null.</summary>
    public static string? Missing() =>
        new[] { "/usr/bin/buildah", "/usr/bin/docker-registry", "/bin/busybox", "/usr/bin/git" }.FirstOrDefault(tool =>
            !File.Exists(tool)
        )
            is { } tool
            ? $"The builds journey needs {tool} (apt-get install buildah docker-registry busybox-static git)."
            : null;

    /// <summary>The real Git client, reaching https://git.example.com/{name} as the forge's folder {name}.</summary>
    private sealed class LocalForge(string root) : IGitClient
    {
        private readonly GitClient _git = new(Options.Create(new GitOptions()));

        private GitRemote Local(GitRemote remote) =>
            remote with
            {
                Url = new Uri(Path.Combine(root, remote.Url[$"https://{GitHost}/".Length..])).AbsoluteUri,
            };

        public Task<Result<GitConnection>> TestConnectionAsync(
            GitRemote remote,
            string refName,
            CancellationToken ct
        ) => _git.TestConnectionAsync(Local(remote), refName, ct);

        public Task<Result<GitCheckout>> FetchAsync(
            GitRemote remote,
            string refOrCommit,
            SourceSubDirectory subDirectory,
            string directory,
            CancellationToken ct
        ) => _git.FetchAsync(Local(remote), refOrCommit, subDirectory, directory, ct);
    }
}

/// <summary>
/// A developer builds an application from its Git repository: connects the repository, presses Build, watches the
/// build's log arrive live, sees it succeed with its image pinned by digest, deploys the build to dev and finds the
/// commit on the revisions page; then pushes a broken commit and reads why its build failed, in the builder's words.
/// The image is built for real by buildah (FROM scratch with busybox, so no base image is pulled) and pushed to the
/// real registry.
/// </summary>
public sealed class BuildsJourneyTests(BuildsPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<BuildsPortalFixture>
{
    private const string Tenant = "acme";
    private const string App = "shop";
    private const string AppPath = "/t/acme/apps/shop";
    private const int ExpectTimeout = 20_000;
    private const int BuildTimeout = 180_000;
    private const string Failure = "error: shop.c:3: expected ';' before 'return'";

    [SkippableFact]
    public async Task A_developer_builds_from_git_follows_the_log_deploys_the_build_and_reads_a_broken_builds_failure()
    {
        PortalFixture.RequireChromium();
        if (BuildsPortalFixture.Missing() is { } missing)
        {
            if (Environment.GetEnvironmentVariable("CI") == "true")
                Assert.Fail(missing);
            Skip.If(true, missing);
        }
        var repository = Path.Combine(BuildsPortalFixture.Forge, "shop.git");
        var first = Commit(repository, "Serve the shop", Dockerfile("echo 'the shop is built'"));

        // 1. A tenant with an environment dev, and the application from an image to start with.
        var page = await portal.NewSignedInAdminPageAsync();
        await page.ArrangeTenantWithEnvironmentsAsync(
            portal.BaseAddress,
            Tenant,
            new EnvironmentShare("4", "2Gi", "4Gi", "10Gi", "10"),
            60_000,
            "dev"
        );
        await page.GotoAsync($"/t/{Tenant}/apps/new");
        await page.Locator("#Name").FillAsync(App);
        await page.Locator("#Owner").FillAsync("team-shop");
        await page.Locator("#Description").FillAsync("The shop");
        await page.Locator("#Image").FillAsync("nginx:1.27");
        await page.Locator("#Port").FillAsync("http:8080");
        await page.OpenFormSectionsAsync();
        await page.Locator("#CpuRequest").FillAsync("100m");
        await page.Locator("#CpuLimit").FillAsync("500m");
        await page.Locator("#MemoryRequest").FillAsync("128Mi");
        await page.Locator("#MemoryLimit").FillAsync("256Mi");
        await page.Locator("#Replicas").FillAsync("1");
        await page.Locator("#ServicePort").FillAsync("80");
        await page.Locator("#save-application").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });

        // 2. The repository, connected from the source page after a test of the connection.
        await page.GotoAsync($"{AppPath}/source");
        await page.Locator("#RepositoryUrl").FillAsync($"https://{BuildsPortalFixture.GitHost}/shop.git");
        await page.Locator("#Ref").FillAsync("main");
        await page.Locator("#CredentialKind").SelectOptionAsync("None");
        await page.Locator("#save-source").ClickAsync();
        await Expect(page.Locator("#connected-source"))
            .ToContainTextAsync(first[..12], new() { Timeout = ExpectTimeout });
        await page.SaveScreenshotAsync("70-source-connected");

        // 3. Build: the build page shows the log as it is written, without being loaded again.
        await page.Locator("#build-source button").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url($"{AppPath}/builds/1"), new() { Timeout = ExpectTimeout });
        await page.EvaluateAsync("() => window.__notReloaded = true");
        await Expect(page.Locator("#live-state"))
            .ToHaveTextAsync(new Regex("^live"), new() { Timeout = ExpectTimeout });
        var log = page.Locator("#build-log");
        try
        {
            await Expect(log).ToContainTextAsync("counting 1", new() { Timeout = BuildTimeout });
        }
        catch (PlaywrightException)
        {
            output.WriteLine(await BuildAsSavedAsync(1));
            throw;
        }
        Assert.True(
            await page.EvaluateAsync<bool>("() => window.__notReloaded === true"),
            "The log's first lines came with a reload rather than live."
        );
        await Expect(log).ToContainTextAsync("counting 3", new() { Timeout = BuildTimeout });
        await page.SaveScreenshotAsync("71-build-log-live");

        // 4. It succeeds: the page shows how it ended, with the image pinned by its digest.
        await Expect(page.Locator("#build-state")).ToContainTextAsync("succeeded", new() { Timeout = BuildTimeout });
        await Expect(page.Locator("#build-image")).ToContainTextAsync(new Regex(@"/acme/shop@sha256:[0-9a-f]{64}"));
        await Expect(page.Locator("#build-commit")).ToContainTextAsync("Serve the shop");
        await Expect(page.Locator("#build-steps")).ToContainTextAsync("push");
        await page.SaveScreenshotAsync("72-build-succeeded");

        // 5. Deploy it to dev; the revisions page names the commit.
        await page.Locator("#deploy-build-environment").SelectOptionAsync("dev");
        await page.Locator("#deploy-build-note").FillAsync("first build");
        await page.Locator("#deploy-build").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });
        await page.GotoAsync($"{AppPath}/revisions");
        await Expect(page.Locator("main")).ToContainTextAsync(first[..12], new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("main")).ToContainTextAsync("Serve the shop");
        await page.SaveScreenshotAsync("73-revision-names-the-commit");

        // 6. A broken commit: its build fails, and the build page says why in the builder's words.
        Commit(repository, "Break the build", Dockerfile($"echo \"{Failure}\" >&2 && exit 1"));
        await page.GotoAsync($"{AppPath}/builds");
        await page.Locator("#build-now").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url($"{AppPath}/builds/2"), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#build-state")).ToContainTextAsync("failed", new() { Timeout = BuildTimeout });
        await Expect(page.Locator("#build-failure")).ToContainTextAsync("A step of the build failed.");
        await Expect(page.Locator("#build-failure")).ToContainTextAsync(Failure);
        await page.SaveScreenshotAsync("74-build-failed");

        await page.GotoAsync($"/t/{Tenant}/builds");
        await Expect(page.Locator("#builds tbody tr")).ToHaveCountAsync(2);
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
    }

    /// <summary>
    /// A Dockerfile from scratch with busybox as its shell, counting to 3 a second apart (so that the log has time to
    /// arrive live) and then running <paramref name="lastStep"/>.
    /// </summary>
    private static string Dockerfile(string lastStep) =>
        "FROM scratch\n"
        + "COPY busybox /bin/busybox\n"
        + "COPY busybox /bin/sh\n"
        + "RUN /bin/busybox --install -s /bin\n"
        + "RUN for i in 1 2 3; do echo \"counting $i\"; sleep 1; done\n"
        + $"RUN {lastStep}\n"
        + "EXPOSE 8080\n"
        + "USER 1000\n"
        + "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\"]\n";

    /// <summary>Commits the Dockerfile (and busybox beside it) on main; answers the commit id.</summary>
    private static string Commit(string repository, string subject, string dockerfile)
    {
        if (!Directory.Exists(repository))
        {
            Directory.CreateDirectory(repository);
            Git(repository, "init", "-q", "-b", "main");
            File.Copy("/bin/busybox", Path.Combine(repository, "busybox"));
        }
        File.WriteAllText(Path.Combine(repository, "Dockerfile"), dockerfile);
        Git(repository, "add", ".");
        Git(repository, "-c", "user.name=Ada", "-c", "user.email=ada@shop.example", "commit", "-q", "-m", subject);
        return Git(repository, "rev-parse", "HEAD").Trim();
    }

    private static string Git(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {errors}");
        return output;
    }

    /// <summary>The build as the database has it, with its log, to say why a journey waited in vain.</summary>
    private async Task<string> BuildAsSavedAsync(int number)
    {
        await using var scope = portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Portal.Infrastructure.Persistence.PortalDbContext>();
        var build = await db.Builds.IgnoreQueryFilters().AsNoTracking().SingleAsync(b => b.Number == number);
        var operation = await db
            .Operations.IgnoreQueryFilters()
            .AsNoTracking()
            .SingleAsync(o => o.Id == build.OperationId);
        var log = await db
            .BuildLogChunks.IgnoreQueryFilters()
            .Where(c => c.BuildId == build.Id)
            .OrderBy(c => c.Sequence)
            .Select(c => c.Text)
            .ToListAsync();
        return $"build {number}: {build.State} {build.Reason}; operation {operation.State} {operation.Error}; "
            + $"log: {string.Concat(log)}";
    }

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();
}
