using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Clouds.Joining;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Sandbox.Hosting;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>
/// The join script really runs over SSH on a machine (a real sshd) and joins the sandbox cluster with the host's
/// bootstrap token, the API server pinned by its key's hash; with the token revoked, the machine cannot join.
/// </summary>
public sealed class BareMetalJoinScenarios : IAsyncLifetime
{
    private readonly InMemoryHostKeyPins _pins = new();
    private SandboxCluster _sandbox = null!;
    private IKubernetes _kube = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxCluster.StartAsync(new SandboxOptions { NodeCount = 1 });
        _kube = new Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(Encoding.UTF8.GetBytes(_sandbox.Kubeconfig))
            )
        );
    }

    public async Task DisposeAsync() => await _sandbox.DisposeAsync();

    [SkippableFact]
    public async Task A_machine_reached_over_ssh_joins_the_sandbox_with_its_token_labels_and_taints()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        var machine = await provider.CreateAsync(access, BareMetalAccounts.Spec("metal-a"), CancellationToken.None);
        var token = await TokenAsync();

        await provider.RunScriptAsync(
            access,
            machine,
            JoinScripts.ShellScript(Join(token, "metal-a"), $"baremetal://{machine.Id}"),
            CancellationToken.None
        );

        var node = await _kube.CoreV1.ReadNodeAsync("metal-a");
        Assert.Equal("metal", node.Metadata.Labels["team"]);
        Assert.Contains(node.Spec.Taints, t => t.Key == "dedicated" && t.Value == "metal" && t.Effect == "NoSchedule");
        Assert.Equal($"baremetal://{machine.Id}", node.Spec.ProviderID);
        Assert.Equal(Environment.ProcessorCount.ToString(), node.Status.Capacity["cpu"].ToString());
        Assert.Contains(node.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
    }

    [SkippableFact]
    public async Task A_machine_whose_token_was_revoked_cannot_join_and_the_refusal_says_so()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        var machine = await provider.CreateAsync(access, BareMetalAccounts.Spec("metal-b"), CancellationToken.None);
        var token = await TokenAsync();
        await _kube.CoreV1.DeleteNamespacedSecretAsync($"bootstrap-token-{token.Id}", "kube-system");

        var refused = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.RunScriptAsync(
                access,
                machine,
                JoinScripts.ShellScript(Join(token, "metal-b"), $"baremetal://{machine.Id}"),
                CancellationToken.None
            )
        );

        Assert.Contains("401", refused.Message);
        Assert.DoesNotContain(token.Secret, refused.Message);
        var nodes = await _kube.CoreV1.ListNodeAsync(fieldSelector: "metadata.name=metal-b");
        Assert.Empty(nodes.Items);
    }

    private async Task<BootstrapToken> TokenAsync()
    {
        var token = BootstrapToken.New();
        await _kube.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = $"bootstrap-token-{token.Id}" },
                Type = "bootstrap.kubernetes.io/token",
                StringData = new Dictionary<string, string>
                {
                    ["token-id"] = token.Id,
                    ["token-secret"] = token.Secret,
                    ["expiration"] = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    ["usage-bootstrap-authentication"] = "true",
                },
            },
            "kube-system"
        );
        return token;
    }

    private NodeJoin Join(BootstrapToken token, string name)
    {
        using var ca = X509Certificate2.CreateFromPem(
            Encoding.UTF8.GetString(Convert.FromBase64String(_sandbox.CertificateAuthorityData!))
        );
        var hash = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo()));
        return new NodeJoin(
            new JoinTarget($"127.0.0.1:{_sandbox.BaseAddress.Port}", [hash], false, JoinMethod.SandboxKubelet),
            token,
            name,
            new Dictionary<string, string> { ["team"] = "metal" },
            [new NodeTaint("dedicated", "metal", NodeTaint.NoSchedule)],
            "v1.32"
        );
    }
}
