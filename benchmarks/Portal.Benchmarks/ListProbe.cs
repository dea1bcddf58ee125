using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using k8s;
using Portal.Sandbox.Hosting;

namespace Portal.Benchmarks;

/// <summary>
/// Where the initial list's time goes: the same paged list of all pods as ClusterWatch makes, once as raw bytes
/// (the sandbox's cost plus the transfer) and once through KubernetesClient (plus deserialisation), and one
/// unpaged list for comparison.
/// </summary>
internal static class ListProbe
{
    public sealed record Result(
        TimeSpan Total,
        int Pages,
        int Items,
        long Bytes,
        double FirstPageMs,
        double LastPageMs
    );

    public static HttpClient RawClient(SandboxCluster sandbox)
    {
        var authority = X509CertificateLoader.LoadCertificate(
            PemBody(Encoding.ASCII.GetString(Convert.FromBase64String(sandbox.CertificateAuthorityData!)))
        );
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.GetRawCertData().AsSpan().SequenceEqual(authority.RawData);
        var client = new HttpClient(handler) { BaseAddress = sandbox.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.Token);
        return client;
    }

    public static async Task<Result> RawAsync(HttpClient client, int? limit, CancellationToken ct)
    {
        var total = Stopwatch.StartNew();
        string? next = null;
        int pages = 0,
            items = 0;
        long bytes = 0;
        double first = 0,
            last = 0;
        do
        {
            var url =
                "/api/v1/pods"
                + (limit is { } l ? $"?limit={l}" : "")
                + (next is null ? "" : $"&continue={Uri.EscapeDataString(next)}");
            var page = Stopwatch.StartNew();
            var body = await client.GetByteArrayAsync(url, ct);
            page.Stop();
            using var document = JsonDocument.Parse(body);
            var metadata = document.RootElement.GetProperty("metadata");
            next = metadata.TryGetProperty("continue", out var c) ? c.GetString() : null;
            items += document.RootElement.GetProperty("items").GetArrayLength();
            bytes += body.Length;
            if (pages == 0)
                first = page.Elapsed.TotalMilliseconds;
            last = page.Elapsed.TotalMilliseconds;
            pages++;
        } while (!string.IsNullOrEmpty(next) && pages < 1000);
        return new Result(total.Elapsed, pages, items, bytes, first, last);
    }

    public static async Task<Result> TypedAsync(SandboxCluster sandbox, int limit, CancellationToken ct)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(sandbox.Kubeconfig));
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
        var total = Stopwatch.StartNew();
        string? next = null;
        int pages = 0,
            items = 0;
        double first = 0,
            last = 0;
        do
        {
            var page = Stopwatch.StartNew();
            var list = await client.CoreV1.ListPodForAllNamespacesAsync(
                limit: limit,
                continueParameter: next,
                cancellationToken: ct
            );
            page.Stop();
            next = list.Metadata?.ContinueProperty;
            items += list.Items.Count;
            if (pages == 0)
                first = page.Elapsed.TotalMilliseconds;
            last = page.Elapsed.TotalMilliseconds;
            pages++;
        } while (!string.IsNullOrEmpty(next) && pages < 1000);
        return new Result(total.Elapsed, pages, items, 0, first, last);
    }

    private static byte[] PemBody(string pem)
    {
        var body = pem.Replace("-----BEGIN CERTIFICATE-----", "", StringComparison.Ordinal)
            .Replace("-----END CERTIFICATE-----", "", StringComparison.Ordinal);
        return Convert.FromBase64String(string.Concat(body.Where(ch => !char.IsWhiteSpace(ch))));
    }
}
