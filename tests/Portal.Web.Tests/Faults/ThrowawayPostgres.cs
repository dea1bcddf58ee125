using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// A PostgreSQL 15 server of the test's own, in a temporary folder on a free loopback port, that the test may stop and
/// start again (the shared server of <c>PORTAL_TEST_POSTGRES</c> must never be). The server refuses to run as root: as
/// root its programs run as the <c>postgres</c> user, who is given the folder.
/// </summary>
internal sealed class ThrowawayPostgres : IAsyncDisposable
{
    public const string Binaries = "/usr/lib/postgresql/15/bin";
    private const string RunAs = "postgres";

    private readonly string _folder;
    private readonly string _data;

    private ThrowawayPostgres(string folder, int port)
    {
        _folder = folder;
        _data = Path.Combine(folder, "data");
        Port = port;
    }

    public int Port { get; }

    /// <summary>Trust on loopback: superuser <c>portal</c> needs no password on a server nobody else reaches.</summary>
    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "portal",
            Database = database,
        }.ConnectionString;

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Why this machine cannot run one (no server binaries, or root without runuser), or null.</summary>
    public static string? Missing() =>
        new[] { "initdb", "pg_ctl", "postgres" }.FirstOrDefault(p => !File.Exists(Path.Combine(Binaries, p)))
            is { } program
            ? $"{Path.Combine(Binaries, program)} is missing: apt-get install postgresql-15."
        : IsRoot && !File.Exists("/usr/sbin/runuser") && !File.Exists("/sbin/runuser")
            ? "As root the server runs as 'postgres' through runuser (apt-get install util-linux)."
        : null;

    /// <summary>Fails the test when CI is set and the server cannot be run; otherwise skips it.</summary>
    public static void Require()
    {
        if (Missing() is not { } missing)
            return;
        if (TestDatabases.InCi)
            Assert.Fail(missing);
        Skip.If(true, missing);
    }

    public static async Task<ThrowawayPostgres> StartAsync(CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("portal-pg-").FullName;
        var server = new ThrowawayPostgres(folder, ChildProcess.FreePort());
        try
        {
            if (IsRoot)
                await RunAsync("chown", ["-R", $"{RunAs}:{RunAs}", folder], ct);
            await server.PgAsync(
                "initdb",
                ["-D", server._data, "-U", "portal", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"],
                ct
            );
            await server.StartAgainAsync(ct);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A fast shutdown, as an operator restarts it: sessions are ended; it waits until it is down.</summary>
    public Task StopAsync(CancellationToken ct) => PgAsync("pg_ctl", ["stop", "-D", _data, "-m", "fast", "-w"], ct);

    public Task StartAgainAsync(CancellationToken ct) =>
        PgAsync(
            "pg_ctl",
            [
                "start",
                "-D",
                _data,
                "-w",
                "-t",
                "60",
                "-l",
                Path.Combine(_folder, "server.log"),
                "-o",
                $"-p {Port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 "
                    + $"-c unix_socket_directories={_folder} -c fsync=off -c max_connections=200",
            ],
            ct
        );

    /// <summary>The server's own log, for a failure message.</summary>
    public string Log() =>
        File.Exists(Path.Combine(_folder, "server.log")) ? File.ReadAllText(Path.Combine(_folder, "server.log")) : "";

    private Task PgAsync(string program, IReadOnlyList<string> arguments, CancellationToken ct) =>
        IsRoot
            ? RunAsync("runuser", ["-u", RunAs, "--", Path.Combine(Binaries, program), .. arguments], ct)
            : RunAsync(Path.Combine(Binaries, program), arguments, ct);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var errors = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}:\n{await output}\n{await errors}"
            );
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
                await PgAsync("pg_ctl", ["stop", "-D", _data, "-m", "immediate", "-w"], CancellationToken.None);
        }
        catch (InvalidOperationException)
        {
            // Already down.
        }
        PipelineRunCrashScenarios.DeleteQuietly(_folder);
    }
}
