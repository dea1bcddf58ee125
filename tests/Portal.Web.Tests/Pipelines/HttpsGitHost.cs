using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// A Git host over HTTPS as forges serve it, for a portal running as a process: Kestrel on a loopback port running
/// <c>git http-backend</c> as CGI over the repositories under <see cref="Root"/>, with a certificate signed by a
/// certificate authority of its own. The portal accepts only https:// and ssh:// repository URLs and checks the
/// host's certificate, so a process that is to fetch from here must trust <see cref="CaBundle"/>.
/// </summary>
public sealed class HttpsGitHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    public string Root { get; }

    /// <summary>The machine's certificate authorities and this host's own, in one PEM file.</summary>
    public string CaBundle { get; }

    public string BaseUrl { get; }

    private HttpsGitHost(WebApplication app, string root, string caBundle)
    {
        _app = app;
        Root = root;
        CaBundle = caBundle;
        BaseUrl = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.Single();
    }

    public static async Task<HttpsGitHost> StartAsync(string folder)
    {
        var root = Directory.CreateDirectory(Path.Combine(folder, "git")).FullName;
        using var authority = Authority();
        using var server = ServerCertificate(authority);
        var bundle = Path.Combine(folder, "ca-bundle.crt");
        var machine = File.Exists(SystemBundle) ? await File.ReadAllTextAsync(SystemBundle) : "";
        await File.WriteAllTextAsync(bundle, machine.TrimEnd() + "\n" + authority.ExportCertificatePem() + "\n");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelHttpsConfiguration();
        var certificate = X509CertificateLoader.LoadPkcs12(server.Export(X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate))
        );
        var app = builder.Build();
        app.Run(context => ServeAsync(context, root));
        await app.StartAsync();
        return new HttpsGitHost(app, root, bundle);
    }

    /// <summary>Where Debian keeps the certificate authorities git (libcurl with GnuTLS) trusts.</summary>
    public const string SystemBundle = "/etc/ssl/certs/ca-certificates.crt";

    /// <summary>The URL the repository in <c>{Root}/{name}.git</c> is fetched from.</summary>
    public string Url(string name) => $"{BaseUrl}/{name}.git";

    private static X509Certificate2 Authority()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(
            "CN=Portal crash test CA",
            key,
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1
        );
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true)
        );
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 ServerCertificate(X509Certificate2 authority)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(
            new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true)
        );
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false)
        );
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(
            authority,
            DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(1),
            serial
        );
        return signed.CopyWithPrivateKey(key);
    }

    private static async Task ServeAsync(HttpContext context, string root)
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
        start.Environment["REMOTE_ADDR"] = "127.0.0.1";
        if (request.ContentLength is { } length)
            start.Environment["CONTENT_LENGTH"] = length.ToString(CultureInfo.InvariantCulture);
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
                context.Response.StatusCode = int.Parse(value[..3], CultureInfo.InvariantCulture);
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
    }
}
