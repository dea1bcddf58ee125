using System.Diagnostics;
using System.Text.Json;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// A rendered Dockerfile built for real by Debian's buildah (vfs storage, chroot isolation, as the portal's local
/// builder runs it), from a BusyBox base made on the spot from the machine's static busybox, in a storage of its own
/// that the test removes. Skipped where buildah or busybox is missing, except under CI=true, where it fails.
/// </summary>
public sealed class BuildahRecipeTests : IDisposable
{
    private const string Buildah = "/usr/bin/buildah";
    private const string BusyBox = "/bin/busybox";
    private const string Base = "localhost/portal-test/busybox:1.35";
    private readonly string _work = Directory.CreateTempSubdirectory("buildah-recipe-").FullName;

    public void Dispose()
    {
        if (File.Exists(Buildah))
        {
            try
            {
                RunAsync(["rm", "--all"]).GetAwaiter().GetResult();
                RunAsync(["rmi", "--all", "--force"]).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException) { }
        }
        Directory.Delete(_work, recursive: true);
    }

    [SkippableFact]
    public async Task A_rendered_multi_stage_dockerfile_builds_an_image_that_runs_as_non_root_on_its_port()
    {
        var present = File.Exists(Buildah) && File.Exists(BusyBox);
        if (!present && Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{Buildah} and {BusyBox} are required in CI (apt-get install buildah busybox-static).");
        Skip.IfNot(present, "buildah or busybox is not installed");
        await MakeBaseImageAsync();
        var images = BaseImageSet.Public.With(
            new Dictionary<string, BaseImageSetting>
            {
                ["node"] = new() { Image = Base },
                ["busybox"] = new() { Image = Base },
            }
        );
        var catalog = Recipes.Catalog(images);
        var rendered = Recipes.Render(
            catalog,
            Recipes.Choose(
                catalog,
                "static",
                ("install_command", "true"),
                ("build_command", "mkdir -p dist && cp index.html dist/"),
                ("site_dir", "dist"),
                ("port", "8080")
            )
        );
        var context = Directory.CreateDirectory(Path.Combine(_work, "context")).FullName;
        await File.WriteAllTextAsync(Path.Combine(context, "index.html"), "<h1>built by a recipe</h1>\n");
        var dockerfile = Path.Combine(_work, "Dockerfile");
        await File.WriteAllTextAsync(dockerfile, rendered.Text);

        await RunAsync([
            "bud",
            "--isolation",
            "chroot",
            "-f",
            dockerfile,
            "-t",
            "localhost/portal-test/site:1",
            context,
        ]);

        using var inspected = JsonDocument.Parse(
            await RunAsync(["inspect", "--type", "image", "localhost/portal-test/site:1"])
        );
        var config = inspected.RootElement.GetProperty("OCIv1").GetProperty("config");
        Assert.Equal("10001:10001", config.GetProperty("User").GetString());
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        Assert.Equal("/srv/www", config.GetProperty("WorkingDir").GetString());
        Assert.Equal(
            ["busybox", "httpd", "-f", "-v", "-p", "8080", "-h", "/srv/www"],
            config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()!)
        );
        var container = (await RunAsync(["from", "localhost/portal-test/site:1"])).Trim();
        var served = await RunAsync([
            "run",
            "--isolation",
            "chroot",
            container,
            "--",
            "busybox",
            "stat",
            "-c",
            "%u %n",
            "/srv/www/index.html",
        ]);
        Assert.Equal("10001 /srv/www/index.html", served.Trim());
    }

    /// <summary>A BusyBox image from scratch: the static binary and its applets as links in /bin.</summary>
    private async Task MakeBaseImageAsync()
    {
        var container = (await RunAsync(["from", "scratch"])).Trim();
        await RunAsync(["copy", container, BusyBox, "/bin/busybox"]);
        await RunAsync(["run", "--isolation", "chroot", container, "/bin/busybox", "--install", "-s", "/bin"]);
        await RunAsync(["commit", "-q", container, Base]);
        await RunAsync(["rm", container]);
    }

    /// <summary>buildah with this test's own storage; its output, or a failure with what it printed.</summary>
    private async Task<string> RunAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(Buildah) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (
            var argument in new[]
            {
                "--root",
                Path.Combine(_work, "storage"),
                "--runroot",
                Path.Combine(_work, "run"),
                "--storage-driver",
                "vfs",
            }.Concat(arguments)
        )
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"buildah {string.Join(' ', arguments)} took more than 3 minutes.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"buildah {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}{await output}"
            );
        return await output;
    }
}
