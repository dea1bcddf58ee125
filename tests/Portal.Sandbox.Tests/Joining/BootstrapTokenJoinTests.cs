using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Portal.SandboxCloud.Hosting;

namespace Portal.Sandbox.Tests.Joining;

/// <summary>
/// A node joins as kubeadm's bootstrap token lets a kubelet join: the sandbox cloud's <see cref="KubeletPlayer"/>
/// registers it over HTTPS (checking the serving key against caCertHashes) with a token whose Secret sits in
/// kube-system, and the token's identity can do nothing else.
/// </summary>
public sealed class BootstrapTokenJoinTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private Kubernetes Client => sandbox.Client;

    [Fact]
    public async Task A_kubelet_with_a_valid_bootstrap_token_registers_its_node_with_capacity_and_a_Ready_condition()
    {
        var token = await CreateTokenAsync();

        var outcome = await JoinAsync("joined-valid", token);

        Assert.Equal("joined as node joined-valid", outcome);
        var node = await Client.CoreV1.ReadNodeAsync("joined-valid");
        Assert.Equal("4", node.Status.Capacity["cpu"].ToString());
        Assert.Equal("True", node.Status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal("gpu", node.Metadata.Labels["portal/pool"]);
        Assert.Equal("10.9.0.7", node.Status.Addresses.Single(a => a.Type == "InternalIP").Address);
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_401()
    {
        var token = await CreateTokenAsync(expiration: DateTimeOffset.UtcNow.AddMinutes(-1));

        var outcome = await JoinAsync("joined-expired", token);

        Assert.StartsWith("The API server refused the node (401)", outcome);
        await AssertNoNodeAsync("joined-expired");
    }

    [Fact]
    public async Task A_token_whose_secret_was_deleted_is_refused_at_once()
    {
        var token = await CreateTokenAsync();
        Assert.Equal("joined as node joined-before", await JoinAsync("joined-before", token));

        await Client.CoreV1.DeleteNamespacedSecretAsync("bootstrap-token-" + token[..6], "kube-system");
        var outcome = await JoinAsync("joined-after", token);

        Assert.StartsWith("The API server refused the node (401)", outcome);
        await AssertNoNodeAsync("joined-after");
    }

    [Fact]
    public async Task An_unknown_token_or_one_not_meant_for_authentication_is_refused()
    {
        var notForAuthentication = await CreateTokenAsync(usage: "false");

        Assert.StartsWith(
            "The API server refused the node (401)",
            await JoinAsync("joined-x", "zzzzzz.0123456789abcdef")
        );
        Assert.StartsWith("The API server refused the node (401)", await JoinAsync("joined-y", notForAuthentication));
        await AssertNoNodeAsync("joined-x");
    }

    [Fact]
    public async Task The_bootstrap_identity_cannot_list_pods_or_secrets_nor_touch_a_node_it_did_not_register()
    {
        var token = await CreateTokenAsync();
        Assert.Equal("joined as node joined-own", await JoinAsync("joined-own", token));
        using var http = BootstrapClient(token);
        var id = token[..6];

        var pods = await http.GetAsync("/api/v1/pods");
        var secrets = await http.GetAsync("/api/v1/namespaces/kube-system/secrets");
        var nodes = await http.GetAsync("/api/v1/nodes");
        var otherNode = await http.GetAsync("/api/v1/nodes/sandbox-node-01");
        var ownNode = await http.GetAsync("/api/v1/nodes/joined-own");
        var ownStatus = await http.PatchAsync(
            "/api/v1/nodes/joined-own/status",
            new StringContent(
                """{"status":{"conditions":[{"type":"Ready","status":"False","reason":"KubeletNotReady"}]}}""",
                Encoding.UTF8,
                "application/merge-patch+json"
            )
        );

        Assert.Equal(HttpStatusCode.Forbidden, pods.StatusCode);
        Assert.Contains(
            $"pods is forbidden: User \\\"system:bootstrap:{id}\\\" cannot list resource \\\"pods\\\" in API group "
                + "\\\"\\\" at the cluster scope",
            await pods.Content.ReadAsStringAsync()
        );
        Assert.Equal(HttpStatusCode.Forbidden, secrets.StatusCode);
        Assert.Contains(
            $"secrets is forbidden: User \\\"system:bootstrap:{id}\\\" cannot list resource \\\"secrets\\\"",
            await secrets.Content.ReadAsStringAsync()
        );
        Assert.Equal(HttpStatusCode.Forbidden, nodes.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherNode.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownNode.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ownStatus.StatusCode);
        var node = await Client.CoreV1.ReadNodeAsync("joined-own");
        Assert.Equal("False", node.Status.Conditions.Single(c => c.Type == "Ready").Status);
    }

    [Fact]
    public async Task The_heartbeats_keep_a_registered_node_fresh_like_the_simulated_ones()
    {
        var options = SandboxTestCluster.FastOptions();
        options.NodeHeartbeatInterval = TimeSpan.FromMilliseconds(300);
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(options);
        using var client = SandboxTestCluster.ClientFor(cluster.Kubeconfig);
        var token = await CreateTokenAsync(client);
        Assert.Equal("joined as node joined-beating", await JoinAsync(cluster, "joined-beating", token));
        var registered = (await client.CoreV1.ReadNodeAsync("joined-beating"))
            .Status.Conditions.Single()
            .LastHeartbeatTime;

        var beaten = await Eventually.Until(
            () => client.CoreV1.ReadNodeAsync("joined-beating"),
            n => n.Status.Conditions.Single().LastHeartbeatTime > registered
        );

        Assert.Equal("True", beaten.Status.Conditions.Single().Status);
    }

    /// <summary>Creates a bootstrap token Secret as kubeadm token create does; returns the token.</summary>
    private Task<string> CreateTokenAsync(DateTimeOffset? expiration = null, string usage = "true") =>
        CreateTokenAsync(Client, expiration, usage);

    private static async Task<string> CreateTokenAsync(
        Kubernetes client,
        DateTimeOffset? expiration = null,
        string usage = "true"
    )
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var random = Random.Shared;
        var id = new string(Enumerable.Range(0, 6).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        var secret = new string(Enumerable.Range(0, 16).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
        var data = new Dictionary<string, string>
        {
            ["token-id"] = id,
            ["token-secret"] = secret,
            ["usage-bootstrap-authentication"] = usage,
            ["auth-extra-groups"] = "system:bootstrappers:kubeadm:default-node-token",
        };
        if (expiration is { } expires)
        {
            data["expiration"] = expires.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ");
        }
        await client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "bootstrap-token-" + id },
                Type = "bootstrap.kubernetes.io/token",
                StringData = data,
            },
            "kube-system"
        );
        return $"{id}.{secret}";
    }

    private Task<string> JoinAsync(string nodeName, string token) => JoinAsync(sandbox.Cluster, nodeName, token);

    private static async Task<string> JoinAsync(
        Portal.Sandbox.Hosting.SandboxCluster cluster,
        string nodeName,
        string token
    )
    {
        var join = $"""
            #cloud-config
            write_files:
              - path: {KubeletPlayer.JoinConfigurationPath}
                content: |
                  apiVersion: kubeadm.k8s.io/v1beta4
                  kind: JoinConfiguration
                  discovery:
                    bootstrapToken:
                      apiServerEndpoint: {cluster.BaseAddress.Authority}
                      token: {token}
                      caCertHashes:
                        - {ServingKeyHash(cluster)}
                  nodeRegistration:
                    name: {nodeName}
                    kubeletExtraArgs:
                      - name: node-labels
                        value: portal/pool=gpu
            """;
        var instance = new EmulatedInstance
        {
            Id = "i-" + nodeName,
            Name = nodeName,
            Region = "sandbox-1",
            Zone = "sandbox-1a",
            Type = new EmulatedInstanceType("m.large", 4, 8192),
            Image = "ubuntu-24.04",
            PrivateAddress = "10.9.0.7",
            UserData = join,
            Tags = new Dictionary<string, string>(),
            CreatedAt = DateTimeOffset.UtcNow,
            SystemDiskGiB = 40,
        };
        return await new KubeletPlayer("Sandbox").JoinAsync(instance, CancellationToken.None);
    }

    private static string ServingKeyHash(Portal.Sandbox.Hosting.SandboxCluster cluster)
    {
        var pem = Encoding.ASCII.GetString(Convert.FromBase64String(cluster.CertificateAuthorityData!));
        using var certificate = X509Certificate2.CreateFromPem(pem);
        return KubeletPlayer.PublicKeyHash(certificate);
    }

    private HttpClient BootstrapClient(string token)
    {
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
                certificate is not null && KubeletPlayer.PublicKeyHash(certificate) == ServingKeyHash(sandbox.Cluster),
        };
        var http = new HttpClient(handler) { BaseAddress = sandbox.Cluster.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private async Task AssertNoNodeAsync(string name)
    {
        var nodes = await Client.CoreV1.ListNodeAsync(fieldSelector: "metadata.name=" + name);
        Assert.Empty(nodes.Items);
    }
}
