using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Replicas;

/// <summary>
/// A throw-away <c>redis-server</c> (Debian's package) on a free loopback port, keeping nothing on disk; killed by its
/// id when the test is done.
/// </summary>
public sealed class RedisServer : IDisposable
{
    public const string Executable = "/usr/bin/redis-server";

    private readonly ChildProcess _process;

    private RedisServer(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public string Tail(int lines = 20) => _process.Tail(lines);

    /// <summary>Skips the test without redis-server; fails it under CI, which installs it.</summary>
    public static void Require()
    {
        if (File.Exists(Executable))
            return;
        const string missing = $"{Executable} is missing (apt-get install redis-server).";
        if (TestDatabases.InCi)
            Assert.Fail(missing);
        Skip.If(true, missing);
    }

    public static async Task<RedisServer> StartAsync(CancellationToken ct, int? onPort = null)
    {
        var port = onPort ?? ChildProcess.FreePort();
        var process = ChildProcess.Start(
            Executable,
            [
                "--port",
                port.ToString(CultureInfo.InvariantCulture),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            Path.GetTempPath()
        );
        var server = new RedisServer(process, port);
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(20))
            {
                var output = process.Output;
                server.Dispose();
                throw new InvalidOperationException($"redis-server did not start on port {port}:\n{output}");
            }
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port, ct);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(100, ct);
            }
        }
    }

    public void Dispose() => _process.Dispose();
}
