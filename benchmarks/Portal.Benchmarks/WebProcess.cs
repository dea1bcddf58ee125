using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Portal.Benchmarks;

/// <summary>
/// The real portal (src/Portal.Web, built in the benchmark's configuration) as a child process on a loopback
/// port, on the database the benchmark filled — by default a SQLite file, with its own cluster watch, embedded sandbox
/// and job server off; a caller may override any of these settings.
/// </summary>
internal sealed partial class WebProcess : IAsyncDisposable
{
    public const string AdminEmail = "bench-admin@portal.local";
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WebProcess(Process process, Uri baseAddress, string password)
    {
        _process = process;
        BaseAddress = baseAddress;
        Password = password;
        Client = new HttpClient(
            new SocketsHttpHandler
            {
                CookieContainer = Cookies,
                UseCookies = true,
                AllowAutoRedirect = false,
                UseProxy = false,
            }
        )
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Uri BaseAddress { get; }

    public string Password { get; }

    public HttpClient Client { get; }

    /// <summary>
    /// The session of <see cref="Client"/>: what a browser's SignalR connection sends once signed in.
    /// </summary>
    public CookieContainer Cookies { get; } = new();

    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static string LocateBinaries(string repositoryRoot)
    {
        var dll = Path.Combine(
            repositoryRoot,
            "src",
            "Portal.Web",
            "bin",
            Machine.BuildConfiguration,
            "net10.0",
            "Portal.Web.dll"
        );
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException(
                $"Portal.Web is not built in {Machine.BuildConfiguration}; build "
                    + "benchmarks/Portal.Benchmarks, which builds it.",
                dll
            );
    }

    public static Task<WebProcess> StartAsync(string repositoryRoot, string connectionString, CancellationToken ct) =>
        StartAsync(repositoryRoot, connectionString, new Dictionary<string, string>(), ct);

    /// <summary>
    /// Starts the portal with <paramref name="settings"/> (configuration keys such as "Portal:Jobs:RunServer") over the
    /// defaults.
    /// </summary>
    public static async Task<WebProcess> StartAsync(
        string repositoryRoot,
        string connectionString,
        IReadOnlyDictionary<string, string> settings,
        CancellationToken ct
    )
    {
        var dll = LocateBinaries(repositoryRoot);
        var port = FreePort();
        var password = "Bench-" + Guid.NewGuid().ToString("N")[..16];
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        var configuration = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings:Portal"] = connectionString,
            ["Portal:Database:Provider"] = "Sqlite",
            ["Portal:Admin:Email"] = AdminEmail,
            ["Portal:Admin:Password"] = password,
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Clusters:Watch"] = "false",
            ["Portal:Jobs:RunServer"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            // A throw-away database, reached over plain HTTP on loopback: no certificate for its key ring, no TLS.
            ["Portal:DataProtection:AllowUnprotectedKeys"] = "true",
            ["Portal:Oidc:RequireHttps"] = "false",
            ["Portal:Security:SecureCookies"] = "false",
        };
        foreach (var (key, value) in settings)
            configuration[key] = value;
        foreach (var (key, value) in configuration)
        {
            start.ArgumentList.Add($"--{key}");
            start.ArgumentList.Add(value);
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var web = new WebProcess(process, new Uri($"http://127.0.0.1:{port}"), password);
        process.OutputDataReceived += (_, e) => web.Append(e.Data);
        process.ErrorDataReceived += (_, e) => web.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"Portal.Web exited with {process.ExitCode}:\n{web.Output}");
            try
            {
                using var ready = await web.Client.GetAsync("/health/ready", ct);
                if (ready.StatusCode == HttpStatusCode.OK)
                    return web;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            // Generous: on a machine shared with builds and other benchmarks, migrations and JIT alone took over 90 s.
            if (deadline.Elapsed > TimeSpan.FromSeconds(300))
            {
                await web.DisposeAsync();
                throw new TimeoutException($"Portal.Web did not become ready within 300 s:\n{web.Output}");
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Signs in the way a browser does: GET the form for its anti-forgery token, POST it back.</summary>
    public async Task SignInAsync(CancellationToken ct)
    {
        var form = await Client.GetStringAsync("/account/login", ct);
        var token = AntiforgeryToken().Match(form);
        if (!token.Success)
            throw new InvalidOperationException("No anti-forgery token on the sign-in page.");
        using var body = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["Email"] = AdminEmail,
                ["Password"] = Password,
                ["ReturnUrl"] = "/",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            }
        );
        using var response = await Client.PostAsync("/account/login", body, ct);
        if (response.StatusCode != HttpStatusCode.Redirect && response.StatusCode != HttpStatusCode.Found)
            throw new InvalidOperationException($"Sign-in answered {(int)response.StatusCode}, not a redirect.");
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
        {
            if (_output.Length < 1024 * 1024)
                _output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryTokenPattern();

    private static Regex AntiforgeryToken() => AntiforgeryTokenPattern();

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            // The portal's own children too (its embedded registry), which a killed portal cannot stop.
            _process.Kill(entireProcessTree: true);
            await _process
                .WaitForExitAsync()
                .WaitAsync(TimeSpan.FromSeconds(15))
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _process.Dispose();
    }
}
