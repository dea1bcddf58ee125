using k8s.Models;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

/// <summary>
/// A template cannot give a tenant's instance a way onto its node, into another namespace or to the cluster's API: what
/// the baseline Pod Security Standard forbids, and more, is refused by the check with the object and field it is in,
/// and never rendered for an instance.
/// </summary>
public sealed class MiddlewarePodSecurityTests
{
    private const string Pod = "      terminationGracePeriodSeconds: 60\n";
    private const string PodSecurity = "        fsGroup: 999\n";
    private const string Container = "          image: {{ image | yaml_string }}\n";
    private const string Volumes = "          emptyDir: { medium: Memory, sizeLimit: 256Mi }\n";
    private const string ClientService = "  type: ClusterIP\n";
    private const string Set = "statefulset 'sample'";

    public static TheoryData<string, string, string> Forbidden() =>
        new()
        {
            { Pod, Pod + "      hostNetwork: true\n", $"{Set}: spec.template.spec.hostNetwork" },
            { Pod, Pod + "      hostPID: true\n", $"{Set}: spec.template.spec.hostPID" },
            { Pod, Pod + "      hostIPC: true\n", $"{Set}: spec.template.spec.hostIPC" },
            { Pod, Pod + "      serviceAccountName: builder\n", $"{Set}: spec.template.spec.serviceAccountName" },
            { Pod, Pod + "      serviceAccount: builder\n", $"{Set}: spec.template.spec.serviceAccount" },
            {
                Pod,
                Pod + "      automountServiceAccountToken: true\n",
                $"{Set}: spec.template.spec.automountServiceAccountToken"
            },
            { Pod, Pod + "      nodeName: node-1\n", $"{Set}: spec.template.spec.nodeName" },
            {
                PodSecurity,
                PodSecurity + "        seLinuxOptions: { type: spc_t }\n",
                $"{Set}: spec.template.spec.securityContext.seLinuxOptions"
            },
            {
                PodSecurity,
                PodSecurity + "        seccompProfile: { type: Unconfined }\n",
                $"{Set}: spec.template.spec.securityContext.seccompProfile"
            },
            {
                PodSecurity,
                PodSecurity + "        appArmorProfile: { type: Unconfined }\n",
                $"{Set}: spec.template.spec.securityContext.appArmorProfile"
            },
            {
                PodSecurity,
                PodSecurity + "        sysctls: [{ name: kernel.msgmax, value: \"65536\" }]\n",
                $"{Set}: spec.template.spec.securityContext.sysctls[0] (kernel.msgmax)"
            },
            {
                PodSecurity,
                PodSecurity + "        windowsOptions: { hostProcess: true }\n",
                $"{Set}: spec.template.spec.securityContext.windowsOptions.hostProcess"
            },
            {
                Volumes,
                Volumes + "        - { name: host, hostPath: { path: / } }\n",
                $"{Set}: spec.template.spec.volumes[1] ('host') is a hostPath volume"
            },
            {
                Volumes,
                Volumes + "        - { name: share, nfs: { server: 10.0.0.1, path: /exports } }\n",
                $"{Set}: spec.template.spec.volumes[1] ('share') is a nfs volume"
            },
            {
                Volumes,
                Volumes
                    + "        - { name: token, projected: { sources: [{ serviceAccountToken: { path: token } }] } }\n",
                $"{Set}: spec.template.spec.volumes[1] ('token') projects a service account token"
            },
            {
                Container,
                Container + "          securityContext: { privileged: true }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').securityContext.privileged"
            },
            {
                Container,
                Container + "          securityContext: { allowPrivilegeEscalation: true }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').securityContext.allowPrivilegeEscalation"
            },
            {
                Container,
                Container + "          securityContext: { capabilities: { add: [CHOWN, NET_ADMIN, SYS_ADMIN] } }\n",
                $"{Set}: spec.template.spec.containers[0] "
                    + "('postgresql').securityContext.capabilities.add holds NET_ADMIN, "
                    + "SYS_ADMIN"
            },
            {
                Container,
                Container + "          securityContext: { procMount: Unmasked }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').securityContext.procMount"
            },
            {
                Container,
                Container + "          securityContext: { seLinuxOptions: { user: root } }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').securityContext.seLinuxOptions"
            },
            {
                Container,
                Container + "          securityContext: { seccompProfile: { type: Unconfined } }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').securityContext.seccompProfile"
            },
            {
                Container,
                Container
                    + "          securityContext: { appArmorProfile: { type: Localhost, localhostProfile: custom } }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').securityContext.appArmorProfile"
            },
            {
                "            - { name: postgresql, containerPort: {{ ports.postgresql }} }\n",
                "            - { name: postgresql, containerPort: {{ ports.postgresql }}, hostPort: 5432 }\n",
                $"{Set}: spec.template.spec.containers[0] ('postgresql').ports[0].hostPort"
            },
            {
                Pod,
                Pod
                    + "      initContainers: [{ name: init, image: {{ image | yaml_string }}, "
                    + "securityContext: { privileged: true } }]\n",
                $"{Set}: spec.template.spec.initContainers[0] ('init').securityContext.privileged"
            },
            {
                Pod,
                Pod
                    + "      ephemeralContainers: [{ name: debug, image: busybox:1.36, "
                    + "securityContext: { capabilities: { add: [SYS_PTRACE] } } }]\n",
                $"{Set}: spec.template.spec.ephemeralContainers[0] "
                    + "('debug').securityContext.capabilities.add holds SYS_PTRACE"
            },
            {
                "  template:\n    spec:\n",
                "  template:\n    metadata: { annotations: { "
                    + "container.apparmor.security.beta.kubernetes.io/postgresql: unconfined "
                    + "} }\n    spec:\n",
                $"{Set}: spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/postgresql]"
            },
            {
                ClientService,
                "  type: ClusterIP\n  externalIPs: [203.0.113.7]\n",
                "service 'sample': spec.externalIPs"
            },
            { ClientService, "  type: NodePort\n", "service 'sample': spec.type NodePort" },
            { ClientService, "  type: LoadBalancer\n", "service 'sample': spec.type LoadBalancer" },
            {
                "  name: {{ secret_name }}\n",
                "  name: {{ secret_name }}\n  namespace: kube-system\n",
                "secret 'sample-credentials': metadata.namespace kube-system"
            },
        };

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void A_template_that_asks_for_what_the_pod_security_standard_forbids_is_refused_naming_the_object_and_field(
        string line,
        string with,
        string message
    )
    {
        var definition = Postgres(line, with);

        var problems = TemplateValidation.Validate("postgresql", definition);

        Assert.Contains(problems, p =>
            p.Field == "ObjectsTemplate" && p.Message.Contains(message, StringComparison.OrdinalIgnoreCase)
        );
    }

    [Theory]
    [MemberData(nameof(Forbidden))]
    public void An_instance_is_never_rendered_with_what_the_pod_security_standard_forbids(
        string line,
        string with,
        string message
    )
    {
        var definition = Postgres(line, with);
        var plan = definition.Plans[0];

        var rendered = TemplateRenderer.Render(
            new InstanceRenderInput(
                "shop-dev",
                "sample",
                MiddlewareCatalog.Shop,
                "postgresql",
                definition,
                definition.Versions[0],
                plan,
                plan.Replicas,
                TemplateValidation.SampleParameters(definition).Value,
                TemplateValidation.SampleCredentials(definition)
            )
        );

        Assert.False(rendered.Succeeded);
        Assert.Contains(message, MiddlewareCatalogTests.Describe(rendered.Problem), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(
        Container,
        Container
            + "          securityContext: { capabilities: { add: [CHOWN, "
            + "NET_BIND_SERVICE, SETUID], drop: [ALL] }, allowPrivilegeEscalation: "
            + "false, "
            + "runAsNonRoot: true, seccompProfile: { type: RuntimeDefault }, "
            + "appArmorProfile: { type: RuntimeDefault }, procMount: Default }\n"
    )]
    [InlineData(
        PodSecurity,
        PodSecurity + "        sysctls: [{ name: net.ipv4.ip_local_port_range, value: \"1024 65000\" }]\n"
    )]
    [InlineData(Pod, Pod + "      automountServiceAccountToken: false\n")]
    [InlineData(ClientService, "  type: ClusterIP\n  sessionAffinity: ClientIP\n")]
    [InlineData("  name: {{ secret_name }}\n", "  name: {{ secret_name }}\n  namespace: {{ namespace }}\n")]
    public void What_the_baseline_standard_allows_is_taken(string line, string with)
    {
        Assert.Empty(TemplateValidation.Validate("postgresql", Postgres(line, with)));
    }

    [Fact]
    public void Rendered_pods_get_no_service_account_token()
    {
        var objects = TemplateRenderer
            .Render(MiddlewareCatalog.Input(MiddlewareCatalog.Entry("postgresql"), "17.5", "small"))
            .Value;

        Assert.False(objects.OfType<V1StatefulSet>().Single().Spec.Template.Spec.AutomountServiceAccountToken);
    }

    [Theory]
    [InlineData("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")]
    [InlineData("rbac.authorization.k8s.io/v1", "RoleBinding")]
    [InlineData("v1", "Namespace")]
    [InlineData("v1", "ServiceAccount")]
    [InlineData("v1", "Pod")]
    [InlineData("apps/v1", "DaemonSet")]
    public void A_template_creates_no_cluster_scoped_kind_nor_any_kind_outside_an_instances(
        string apiVersion,
        string kind
    )
    {
        var definition = MiddlewareCatalog.Entry("postgresql").Definition;
        var extended = definition with
        {
            ObjectsTemplate =
                definition.ObjectsTemplate
                + $"---\napiVersion: {apiVersion}\nkind: {kind}\nmetadata:\n  name: {{{{ instance }}}}-x\n",
        };

        var problems = TemplateValidation.Validate("postgresql", extended);

        Assert.Contains(problems, p => p.Message.Contains($"{kind} ({apiVersion}) at line", StringComparison.Ordinal));
    }

    private static TemplateDefinition Postgres(string line, string with)
    {
        var definition = MiddlewareCatalog.Entry("postgresql").Definition;
        Assert.Contains(line, definition.ObjectsTemplate);
        return definition with
        {
            ObjectsTemplate = definition.ObjectsTemplate.Replace(line, with, StringComparison.Ordinal),
        };
    }
}
