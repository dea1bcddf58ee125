using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// The real portal as a process of its own (<c>dotnet Portal.Web.dll</c>, as built beside this test), on a loopback
/// port, with the settings given over the defaults; so that it can be killed with SIGKILL and started again on the
/// same database. When a trusted bundle is given, the process sees it as the machine's certificate
/// authorities (a private mount namespace with the file bound over Debian's bundle), as an operator who added the
/// Git host's authority to the machine would have it.
/// </summary>
public sealed partial class PortalProcess : IDisposable
{
    public const string AdminEmail = "crash-admin@portal.local";
    public const string AdminPassword = "Crash-Passw0rd-1";
    private const string CliRedirect = "http://127.0.0.1:8765/callback";

    private readonly ChildProcess _process;
    private readonly CookieContainer _cookies = new();

    private PortalProcess(ChildProcess process, Uri baseAddress)
    {
        _process = process;
        Client = new HttpClient(
            new SocketsHttpHandler
            {
                CookieContainer = _cookies,
                UseCookies = true,
                AllowAutoRedirect = false,
                UseProxy = false,
            }
        )
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    /// <summary>A browser of the portal: signed in as the platform admin after <see cref="SignInAsync"/>.</summary>
    public HttpClient Client { get; }

    /// <summary>
    /// The browser's cookies (its session after <see cref="SignInAsync"/>), for its live connections.
    /// </summary>
    public CookieContainer Cookies => _cookies;

    public int Id => _process.Id;

    public string Tail(int lines = 80) => _process.Tail(lines);

    public static string Binaries(string project)
    {
        var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testBin);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testBin)!);
        var root = new DirectoryInfo(testBin);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "PaaS.sln")))
            root = root.Parent;
        var dll = Path.Combine(
            root?.FullName ?? throw new DirectoryNotFoundException("No PaaS.sln above the test's folder."),
            "src",
            project,
            "bin",
            configuration,
            framework,
            project + ".dll"
        );
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"{project} is not built in {configuration}; build this test project.");
    }

    public static async Task<PortalProcess> StartAsync(
        IReadOnlyDictionary<string, string> settings,
        string? trustedCaBundle,
        CancellationToken ct
    )
    {
        var dll = Binaries("Portal.Web");
        var port = ChildProcess.FreePort();
        var configuration = new Dictionary<string, string>
        {
            ["urls"] = $"http://127.0.0.1:{port}",
            ["Portal:Admin:Email"] = AdminEmail,
            ["Portal:Admin:Password"] = AdminPassword,
            // A throw-away database reached over plain HTTP on loopback: no certificate for its key ring, no TLS.
            ["Portal:DataProtection:AllowUnprotectedKeys"] = "true",
            ["Portal:Oidc:RequireHttps"] = "false",
            ["Portal:Security:SecureCookies"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
            configuration[key] = value;
        var command = new List<string> { dll };
        foreach (var (key, value) in configuration)
            command.AddRange([$"--{key}", value]);
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_NOLOGO"] = "1",
        };
        // unshare execs sh, which execs dotnet: the process id is the portal's own.
        var process = trustedCaBundle is null
            ? ChildProcess.Start("dotnet", command, Path.GetDirectoryName(dll)!, environment)
            : ChildProcess.Start(
                "unshare",
                [
                    "--mount",
                    "--propagation",
                    "private",
                    "--",
                    "/bin/sh",
                    "-c",
                    "bundle=\"$1\"; shift; mount --bind \"$bundle\" " + HttpsGitHost.SystemBundle + " && exec \"$@\"",
                    "sh",
                    trustedCaBundle,
                    "dotnet",
                    .. command,
                ],
                Path.GetDirectoryName(dll)!,
                environment
            );
        var portal = new PortalProcess(process, new Uri($"http://127.0.0.1:{port}"));
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var output = process.Output;
                portal.Dispose();
                throw new InvalidOperationException($"Portal.Web exited at start:\n{output}");
            }
            try
            {
                using var ready = await portal.Client.GetAsync("/health/ready", ct);
                if (ready.StatusCode == HttpStatusCode.OK)
                    return portal;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            // A first start on PostgreSQL creates the database and runs every migration: minutes on a loaded machine.
            if (waited.Elapsed > TimeSpan.FromSeconds(180))
            {
                var output = process.Tail();
                portal.Dispose();
                throw new TimeoutException($"Portal.Web was not ready within 180 s:\n{output}");
            }
            await Task.Delay(200, ct);
        }
    }

    /// <summary>Signs the platform admin in as a browser does: the form's anti-forgery token, then the form.</summary>
    public async Task SignInAsync(CancellationToken ct)
    {
        var form = await Client.GetStringAsync("/account/login", ct);
        var token = AntiforgeryToken().Match(form);
        Assert.True(token.Success, "No anti-forgery token on the sign-in page.");
        using var body = new FormUrlEncodedContent(
            new Dictionary<string, string>
            {
                ["Email"] = AdminEmail,
                ["Password"] = AdminPassword,
                ["ReturnUrl"] = "/",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value),
            }
        );
        using var response = await Client.PostAsync("/account/login", body, ct);
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"Sign-in answered {(int)response.StatusCode}.");
    }

    /// <summary>
    /// An API client of the signed-in platform admin, with the token the CLI gets: authorization code with PKCE.
    /// </summary>
    public async Task<HttpClient> AdminApiAsync(CancellationToken ct)
    {
        var verifier = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
        var challenge = Convert
            .ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)))
            .TrimEnd('=')
            .Replace('+', '-')
            .Replace('/', '_');
        using var authorize = await Client.GetAsync(
            "/connect/authorize?client_id=portal-cli&response_type=code&scope=openid%20portal.api"
                + $"&redirect_uri={Uri.EscapeDataString(CliRedirect)}&code_challenge={challenge}"
                + "&code_challenge_method=S256",
            ct
        );
        Assert.True(authorize.Headers.Location is not null, $"Authorize answered {(int)authorize.StatusCode}.");
        var code = Microsoft
            .AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorize.Headers.Location!.Query)["code"]
            .ToString();
        using var tokens = await Client.PostAsync(
            "/connect/token",
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["grant_type"] = "authorization_code",
                    ["client_id"] = "portal-cli",
                    ["code"] = code,
                    ["redirect_uri"] = CliRedirect,
                    ["code_verifier"] = verifier,
                }
            ),
            ct
        );
        var body = await tokens.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.True(tokens.IsSuccessStatusCode, $"Token request answered {(int)tokens.StatusCode}: {body}");
        var api = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = Client.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            body.GetProperty("access_token").GetString()
        );
        return api;
    }

    /// <summary>SIGKILL to the portal and whatever it started.</summary>
    public void Kill() => _process.Kill();

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    public void Dispose()
    {
        Client.Dispose();
        _process.Dispose();
    }
}
