using System.Net;
using System.Net.Http.Headers;
using System.Text;
using k8s;

namespace Portal.Sandbox.Tests.Api;

/// <summary>
/// Request bodies in the Kubernetes protobuf encoding ("k8s\0" + runtime.Unknown), encoded here by hand from the field
/// numbers of k8s.io/api core/v1 generated.proto, and bodies the sandbox cannot read.
/// </summary>
public sealed class ProtobufBodyTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private const string Protobuf = "application/vnd.kubernetes.protobuf";

    [Fact]
    public async Task A_protobuf_ConfigMap_is_created_with_its_labels_and_data()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var metadata = Concat(Text(1, "from-proto"), Bytes(11, Concat(Text(1, "team"), Text(2, "blue"))));
        var configMap = Concat(Bytes(1, metadata), Bytes(2, Concat(Text(1, "mode"), Text(2, "fast"))));

        using var response = await PostAsync(ns, Envelope("v1", "ConfigMap", configMap), Protobuf);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = await sandbox.Client.CoreV1.ReadNamespacedConfigMapAsync("from-proto", ns);
        Assert.Equal("blue", stored.Metadata.Labels["team"]);
        Assert.Equal("fast", stored.Data["mode"]);
    }

    [Fact]
    public async Task A_protobuf_field_the_sandbox_does_not_know_is_refused_with_415_naming_it()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var configMap = Concat(Bytes(1, Text(1, "odd")), Text(99, "?"));

        using var response = await PostAsync(ns, Envelope("v1", "ConfigMap", configMap), Protobuf);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("field 99 of ConfigMap", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_YAML_body_is_refused_with_415_as_by_a_server_that_reads_JSON_only()
    {
        var ns = await sandbox.NewNamespaceAsync();

        using var response = await PostAsync(
            ns,
            Encoding.UTF8.GetBytes("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n"),
            "application/yaml"
        );

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains(
            "the body of the request was in an unknown format - accepted media types include: application/json",
            await response.Content.ReadAsStringAsync()
        );
    }

    private async Task<HttpResponseMessage> PostAsync(string ns, byte[] body, string contentType)
    {
        using var http = new HttpClient(
            new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }
        )
        {
            BaseAddress = sandbox.Cluster.BaseAddress,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.Cluster.Token);
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", content);
    }

    private static byte[] Envelope(string apiVersion, string kind, byte[] raw) =>
        Concat(
            [0x6b, 0x38, 0x73, 0x00],
            Bytes(1, Concat(Text(1, apiVersion), Text(2, kind))),
            Bytes(2, raw),
            Text(3, ""),
            Text(4, "")
        );

    private static byte[] Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Bytes(int field, byte[] value) =>
        Concat(Varint((ulong)(field << 3 | 2)), Varint((ulong)value.Length), value);

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
