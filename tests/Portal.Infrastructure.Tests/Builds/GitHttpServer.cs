using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>
/// A Git host over HTTP as forges serve it: Kestrel on a loopback port running <c>git http-backend</c> as CGI, behind
/// Basic authentication with one user and password. Repositories are the bare ones under its root folder.
/// </summary>
public sealed class GitHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    public string Root { get; }
    public string BaseUrl { get; }

    /// <summary>The Authorization headers of every request, to check what reached the server.</summary>
    public List<string> SeenAuthorizations { get; } = [];

    /// <summary>The request paths and queries, to check that no credential travelled in a URL.</summary>
    public List<string> SeenPaths { get; } = [];

    /// <summary>
    /// The command lines, seen while a request was served, of any process on the machine that held the password: git
    /// and its helpers are running then, so a credential passed as an argument would show here.
    /// </summary>
    public List<string> CommandLinesWithPassword { get; } = [];

    private GitHttpServer(WebApplication app, string root)
    {
        _app = app;
        Root = root;
        BaseUrl = app
            .Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
    }

    public static async Task<GitHttpServer> StartAsync(string user, string password)
    {
        var root = Directory.CreateTempSubdirectory("git-http-root-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        GitHttpServer? server = null;
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}"));
        app.Run(async context =>
        {
            lock (server!.SeenPaths)
            {
                server.SeenPaths.Add(context.Request.Path + context.Request.QueryString);
                server.SeenAuthorizations.Add(context.Request.Headers.Authorization.ToString());
                server.CommandLinesWithPassword.AddRange(CommandLinesHolding(password));
            }
            if (context.Request.Headers.Authorization.ToString() != expected)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
                return;
            }
            await ServeAsync(context, root, user);
        });
        await app.StartAsync();
        server = new GitHttpServer(app, root);
        return server;
    }

    private static IEnumerable<string> CommandLinesHolding(string secret)
    {
        foreach (var folder in Directory.GetDirectories("/proc"))
        {
            string commandLine;
            try
            {
                commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (commandLine.Contains(secret, StringComparison.Ordinal))
                yield return commandLine;
        }
    }

    /// <summary>A bare copy of <paramref name="repository"/>, served at the URL returned.</summary>
    public string Serve(FixtureRepository repository, string name)
    {
        GitTool.Run(Root, ["clone", "-q", "--bare", repository.Folder, name]);
        return $"{BaseUrl}/{name}";
    }

    private static async Task ServeAsync(HttpContext context, string root, string user)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("http-backend");
        var request = context.Request;
        start.Environment["GIT_PROJECT_ROOT"] = root;
        start.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
        start.Environment["REQUEST_METHOD"] = request.Method;
        start.Environment["PATH_INFO"] = request.Path.Value ?? "/";
        start.Environment["QUERY_STRING"] = request.QueryString.Value?.TrimStart('?') ?? "";
        start.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
        start.Environment["REMOTE_USER"] = user;
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (request.ContentLength is { } length)
            start.Environment["CONTENT_LENGTH"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (request.Headers["Git-Protocol"].ToString() is { Length: > 0 } protocol)
            start.Environment["GIT_PROTOCOL"] = protocol;
        if (request.Headers.ContentEncoding.ToString() is { Length: > 0 } encoding)
            start.Environment["HTTP_CONTENT_ENCODING"] = encoding;

        using var backend = Process.Start(start)!;
        var input = Task.Run(async () =>
        {
            await request.Body.CopyToAsync(backend.StandardInput.BaseStream);
            backend.StandardInput.Close();
        });
        var errors = backend.StandardError.ReadToEndAsync();
        var output = backend.StandardOutput.BaseStream;
        foreach (var line in await ReadHeadersAsync(output))
        {
            var colon = line.IndexOf(':');
            var (name, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
                context.Response.StatusCode = int.Parse(value[..3], System.Globalization.CultureInfo.InvariantCulture);
            else
                context.Response.Headers.Append(name, value);
        }
        await output.CopyToAsync(context.Response.Body);
        await input;
        await errors;
        await backend.WaitForExitAsync();
    }

    private static async Task<List<string>> ReadHeadersAsync(Stream output)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        var one = new byte[1];
        while (await output.ReadAsync(one) == 1)
        {
            if (one[0] == '\r')
                continue;
            if (one[0] != '\n')
            {
                line.Append((char)one[0]);
                continue;
            }
            if (line.Length == 0)
                break;
            lines.Add(line.ToString());
            line.Clear();
        }
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
