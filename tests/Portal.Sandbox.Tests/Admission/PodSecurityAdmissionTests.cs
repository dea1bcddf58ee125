using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Sandbox.Tests.Admission;

/// <summary>
/// Pod Security admission as the API server does it: a pod created in a namespace labelled
/// pod-security.kubernetes.io/enforce is checked against that level, and refused with a 403 that lists what it
/// violates.
/// </summary>
public sealed class PodSecurityAdmissionTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private Kubernetes Client => sandbox.Client;

    private async Task<string> NamespaceAsync(string? level, string? version = null)
    {
        var name = "psa-" + Guid.NewGuid().ToString("N")[..10];
        var labels = new Dictionary<string, string>();
        if (level is not null)
            labels["pod-security.kubernetes.io/enforce"] = level;
        if (version is not null)
            labels["pod-security.kubernetes.io/enforce-version"] = version;
        await Client.CoreV1.CreateNamespaceAsync(
            new V1Namespace
            {
                Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            }
        );
        return name;
    }

    private static V1Pod Privileged(string name) =>
        Pod(name, c => c.SecurityContext = new V1SecurityContext { Privileged = true });

    private static V1Pod Pod(string name, Action<V1Container>? container = null, Action<V1PodSpec>? pod = null)
    {
        var built = Build.Pod(name);
        container?.Invoke(built.Spec.Containers[0]);
        pod?.Invoke(built.Spec);
        return built;
    }

    private async Task<HttpOperationException> RefusedAsync(V1Pod pod, string ns)
    {
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedPodAsync(pod, ns)
        );
        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
        return refused;
    }

    private static string Message(HttpOperationException refused) =>
        KubernetesJson.Deserialize<V1Status>(refused.Response.Content).Message;

    [Fact]
    public async Task A_privileged_pod_is_refused_in_a_namespace_that_enforces_baseline()
    {
        var ns = await NamespaceAsync("baseline");

        var refused = await RefusedAsync(Privileged("root"), ns);

        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal(403, status.Code);
        Assert.Equal(
            "pods \"root\" is forbidden: violates PodSecurity \"baseline:latest\": "
                + "privileged (container \"app\" must not set "
                + "securityContext.privileged=true)",
            status.Message
        );
    }

    [Fact]
    public async Task Every_baseline_violation_of_a_pod_is_listed_in_the_api_servers_order()
    {
        var ns = await NamespaceAsync("baseline", "v1.33");
        var pod = Pod(
            "everything",
            c =>
            {
                c.SecurityContext = new V1SecurityContext
                {
                    Privileged = true,
                    Capabilities = new V1Capabilities { Add = ["CHOWN", "SYS_ADMIN", "NET_ADMIN"] },
                    ProcMount = "Unmasked",
                    SeLinuxOptions = new V1SELinuxOptions { Type = "spc_t" },
                    SeccompProfile = new V1SeccompProfile { Type = "Unconfined" },
                };
                c.Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }];
            },
            p =>
            {
                p.HostNetwork = true;
                p.HostPID = true;
                p.Volumes =
                [
                    new V1Volume
                    {
                        Name = "root",
                        HostPath = new V1HostPathVolumeSource { Path = "/" },
                    },
                ];
                p.SecurityContext = new V1PodSecurityContext
                {
                    Sysctls = [new V1Sysctl { Name = "kernel.msgmax", Value = "65536" }],
                };
                p.InitContainers =
                [
                    new V1Container
                    {
                        Name = "init",
                        Image = "busybox:1.36",
                        SecurityContext = new V1SecurityContext { Privileged = true },
                    },
                ];
            }
        );

        var refused = await RefusedAsync(pod, ns);

        Assert.Equal(
            "pods \"everything\" is forbidden: violates PodSecurity \"baseline:v1.33\": "
                + "non-default capabilities (container \"app\" must not include "
                + "\"NET_ADMIN\", \"SYS_ADMIN\" in securityContext.capabilities.add), "
                + "host namespaces (hostNetwork=true, hostPID=true), hostPath volumes "
                + "(volume \"root\"), hostPort (container \"app\" uses hostPort 8080), "
                + "privileged (containers \"init\", \"app\" must not set securityContext.privileged=true), "
                + "procMount (container \"app\" must not set securityContext.procMount to \"Unmasked\"), "
                + "seLinuxOptions (container \"app\" set forbidden securityContext.seLinuxOptions: type \"spc_t\"), "
                + "seccompProfile (container \"app\" must not set "
                + "securityContext.seccompProfile.type to \"Unconfined\"), "
                + "forbidden sysctls (kernel.msgmax)",
            Message(refused)
        );
    }

    [Theory]
    [InlineData(null)]
    [InlineData("privileged")]
    public async Task A_namespace_that_enforces_nothing_admits_a_privileged_pod(string? level)
    {
        var ns = await NamespaceAsync(level);

        var created = await Client.CoreV1.CreateNamespacedPodAsync(Privileged("root"), ns);

        Assert.Equal("root", created.Metadata.Name);
    }

    [Fact]
    public async Task What_the_baseline_standard_allows_is_admitted()
    {
        var ns = await NamespaceAsync("baseline");
        var pod = Pod(
            "fine",
            c =>
            {
                c.SecurityContext = new V1SecurityContext
                {
                    Privileged = false,
                    Capabilities = new V1Capabilities { Add = ["CHOWN", "NET_BIND_SERVICE"], Drop = ["ALL"] },
                    ProcMount = "Default",
                    SeLinuxOptions = new V1SELinuxOptions { Type = "container_t" },
                    SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
                    RunAsUser = 0,
                };
                c.Ports = [new V1ContainerPort { ContainerPort = 80 }];
            },
            p =>
            {
                p.Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource() }];
                p.SecurityContext = new V1PodSecurityContext
                {
                    Sysctls = [new V1Sysctl { Name = "net.ipv4.ip_local_port_range", Value = "1024 65000" }],
                };
            }
        );

        var created = await Client.CoreV1.CreateNamespacedPodAsync(pod, ns);

        Assert.Equal("fine", created.Metadata.Name);
    }

    [Fact]
    public async Task A_statefulset_with_a_privileged_pod_template_is_created_but_its_pods_are_refused_with_an_event()
    {
        var ns = await NamespaceAsync("baseline");
        var set = new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 1,
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "db" } },
                    Spec = new V1PodSpec
                    {
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "db",
                                Image = "postgres:16",
                                SecurityContext = new V1SecurityContext { Privileged = true },
                            },
                        ],
                    },
                },
            },
        };

        await Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns);

        var events = await Eventually.Until(
            () => Client.CoreV1.ListNamespacedEventAsync(ns),
            e => e.Items.Any(x => x.Reason == "FailedCreate" && x.InvolvedObject.Name == "db")
        );
        Assert.Contains(events.Items, e =>
            e.Message.Contains(
                "pods \"db-0\" is forbidden: violates PodSecurity \"baseline:latest\": "
                    + "privileged (container \"db\" must not set "
                    + "securityContext.privileged=true)",
                StringComparison.Ordinal
            )
        );
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }
}
