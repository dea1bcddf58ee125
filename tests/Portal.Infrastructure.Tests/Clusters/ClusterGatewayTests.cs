using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Clusters;

namespace Portal.Infrastructure.Tests.Clusters;

public sealed class ClusterGatewayTests
{
    private static KubernetesClusterGateway Gateway(TimeSpan? probeTimeout = null)
    {
        var clients = new KubernetesClients(
            new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            new KubeconfigVault(new EphemeralDataProtectionProvider()),
            NullLoggerFactory.Instance,
            TimeProvider.System
        );
        return new KubernetesClusterGateway(
            clients,
            Options.Create(new ClusterOptions { ProbeTimeout = probeTimeout ?? TimeSpan.FromSeconds(15) })
        );
    }

    [Fact]
    public async Task A_working_kubeconfig_yields_the_server_version()
    {
        await using var server = await StandInApiServer.StartAsync((context, _) => StandInApiServer.Version(context));

        var probe = await Gateway().ProbeAsync(server.Kubeconfig(), default);

        Assert.True(probe.Succeeded, probe.Problem?.Message);
        Assert.Equal("v1.31.0-standin", probe.Value.Version);
    }

    [Fact]
    public async Task Refused_credentials_are_named_as_such()
    {
        await using var server = await StandInApiServer.StartAsync(
            (context, _) =>
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            }
        );

        var probe = await Gateway().ProbeAsync(server.Kubeconfig(), default);

        Assert.Contains("refused the kubeconfig's credentials (401 Unauthorized)", probe.Problem!.Message);
    }

    [Fact]
    public async Task A_server_nobody_listens_on_is_unreachable()
    {
        var kubeconfig = StandInApiServer.KubeconfigFor(new Uri($"http://127.0.0.1:{FreePort()}"));

        var probe = await Gateway().ProbeAsync(kubeconfig, default);

        Assert.Contains("cannot be reached: the connection was refused", probe.Problem!.Message);
    }

    [Fact]
    public async Task A_server_whose_certificate_the_kubeconfig_does_not_trust_is_refused()
    {
        using var serverCertificate = SelfSigned("CN=localhost");
        using var otherAuthority = SelfSigned("CN=some-other-ca");
        await using var server = await StandInApiServer.StartAsync(
            (context, _) => StandInApiServer.Version(context),
            serverCertificate
        );

        var probe = await Gateway()
            .ProbeAsync(
                server.Kubeconfig(
                    Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(otherAuthority.ExportCertificatePem()))
                ),
                default
            );

        Assert.Contains("is not trusted by the kubeconfig's certificate authority", probe.Problem!.Message);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_gets_a_clear_no_instead_of_a_hung_page()
    {
        await using var server = await StandInApiServer.StartAsync(
            async (context, _) => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted)
        );

        var probe = await Gateway(TimeSpan.FromSeconds(1)).ProbeAsync(server.Kubeconfig(), default);

        Assert.Contains("did not answer within 1 seconds", probe.Problem!.Message);
    }

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_with_backoff_honouring_retry_after()
    {
        await using var server = await StandInApiServer.StartAsync(
            (context, request) =>
            {
                if (request == 1)
                {
                    context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                    context.Response.Headers.RetryAfter = "1";
                    return Task.CompletedTask;
                }
                if (request == 2)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    return Task.CompletedTask;
                }
                return StandInApiServer.Version(context);
            }
        );
        var started = DateTime.UtcNow;

        var probe = await Gateway().ProbeAsync(server.Kubeconfig(), default);

        Assert.True(probe.Succeeded, probe.Problem?.Message);
        Assert.Equal(3, server.Requests);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "Retry-After was not honoured");
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var server = await StandInApiServer.StartAsync(
            (context, _) =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            }
        );

        var probe = await Gateway().ProbeAsync(server.Kubeconfig(), default);

        Assert.False(probe.Succeeded);
        Assert.Equal(1, server.Requests);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(
            DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(1)
        );
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}

public sealed class KubeconfigReaderTests
{
    [Theory]
    [InlineData("", "Paste a kubeconfig")]
    [InlineData("this: is: not: yaml: [", "not a readable kubeconfig")]
    [InlineData("apiVersion: v1\nkind: Config\nclusters: []\n", "names no cluster")]
    public void Unusable_text_is_refused_with_a_reason(string text, string reason) =>
        Assert.Contains(reason, KubeconfigReader.Read(text).Problem!.Message);

    [Fact]
    public void References_to_files_on_the_portal_host_are_refused() =>
        Assert.Contains(
            "certificate file",
            KubeconfigReader.Read(Config("certificate-authority: /etc/kubernetes/ca.crt", "token: t")).Problem!.Message
        );

    [Fact]
    public void Exec_plugins_are_refused_because_they_would_run_programs_on_the_portal_host() =>
        Assert.Contains(
            "plugin",
            KubeconfigReader
                .Read(Config("", "exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: /bin/sh"))
                .Problem!.Message
        );

    [Fact]
    public void A_kubeconfig_that_turns_off_tls_verification_is_refused_unless_an_unverified_connection_is_accepted()
    {
        var unverified = Config("insecure-skip-tls-verify: true", "token: t");

        var refused = KubeconfigReader.CheckTlsVerification(unverified, acceptUnverified: false);

        Assert.Equal("AcceptUnverifiedTls", refused!.Field);
        Assert.Contains("insecure-skip-tls-verify", refused.Message);
        Assert.Null(KubeconfigReader.CheckTlsVerification(unverified, acceptUnverified: true));
        Assert.Null(KubeconfigReader.CheckTlsVerification(Config("", "token: t"), acceptUnverified: false));
        Assert.True(KubeconfigReader.SkipsTlsVerification(unverified));
    }

    [Fact]
    public void A_self_contained_kubeconfig_is_read() =>
        Assert.True(KubeconfigReader.Read(Config("", "token: t")).Succeeded);

    private static string Config(string clusterExtra, string user) =>
        $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://127.0.0.1:6443
                {clusterExtra}
            users:
            - name: u
              user:
                {user}
            contexts:
            - name: x
              context:
                cluster: c
                user: u
            current-context: x
            """;
}
