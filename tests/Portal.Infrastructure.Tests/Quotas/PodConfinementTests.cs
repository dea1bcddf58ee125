using System.Text.RegularExpressions;
using k8s.Models;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Middleware;
using Portal.Infrastructure.Quotas;
using Portal.Infrastructure.Tests.Middleware;
using MiddlewareCatalog = Portal.Infrastructure.Tests.Middleware.MiddlewareCatalog;

namespace Portal.Infrastructure.Tests.Quotas;

/// <summary>
/// Every pod template the portal renders is confined to its pool's nodes after rendering, whatever the template said.
/// </summary>
public sealed class PodConfinementTests
{
    private static readonly PodPlacement Gpu = ResourcePool
        .Create("gpu", null, Guid.Empty, "kubernetes.io/hostname=node-1", "bj", 1m, 1m, DateTime.UnixEpoch)
        .Value.Placement;

    [Fact]
    public void A_middleware_instance_runs_on_its_pools_nodes_and_tolerates_its_taint()
    {
        var pod = RenderRedis(template => template, Gpu);

        Assert.Equal(new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-1" }, pod.NodeSelector);
        Assert.Equal([("portal/pool", "gpu")], pod.Tolerations.Select(t => (t.Key, t.Value)));
    }

    [Fact]
    public void A_template_cannot_take_its_pods_off_the_pool_with_its_own_selector_tolerations_or_scheduler()
    {
        // A node chosen by name is refused outright by the template policy (MiddlewarePodSecurityTests); what a
        // template may write otherwise is overridden here.
        var pod = RenderRedis(
            template =>
                Regex.Replace(
                    template,
                    @"^(\s*)enableServiceLinks: false$",
                    """
                    $0
                    $1schedulerName: anything-goes
                    $1nodeSelector: { kubernetes.io/hostname: node-2, disktype: ssd }
                    $1tolerations: [ { operator: Exists } ]
                    """.ReplaceLineEndings("\n"),
                    RegexOptions.Multiline
                ),
            Gpu
        );

        Assert.Equal(
            new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-1", ["disktype"] = "ssd" },
            pod.NodeSelector
        );
        Assert.Equal(
            [("portal/pool", "Equal", "gpu")],
            pod.Tolerations.Select(t => (t.Key, t.OperatorProperty, t.Value))
        );
        Assert.Null(pod.SchedulerName);
    }

    [Fact]
    public void Every_kind_of_workload_has_its_pod_template_confined()
    {
        V1PodSpec Spec() =>
            new() { Tolerations = [new V1Toleration { OperatorProperty = "Exists" }], NodeName = "node-2" };
        var job = new V1Job { Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = Spec() } } };
        var cronJob = new V1CronJob
        {
            Spec = new V1CronJobSpec
            {
                JobTemplate = new V1JobTemplateSpec
                {
                    Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = Spec() } },
                },
            },
        };
        var daemonSet = new V1DaemonSet
        {
            Spec = new V1DaemonSetSpec { Template = new V1PodTemplateSpec { Spec = Spec() } },
        };
        var pod = new V1Pod { Spec = Spec() };

        foreach (var o in new k8s.IKubernetesObject<V1ObjectMeta>[] { job, cronJob, daemonSet, pod })
            PodConfinement.Confine(o, Gpu);

        V1PodSpec[] specs =
        [
            job.Spec.Template.Spec,
            cronJob.Spec.JobTemplate.Spec.Template.Spec,
            daemonSet.Spec.Template.Spec,
            pod.Spec,
        ];
        Assert.All(specs, s => Assert.Equal("node-1", s.NodeSelector["kubernetes.io/hostname"]));
        Assert.All(specs, s => Assert.Equal("gpu", Assert.Single(s.Tolerations).Value));
        Assert.All(specs, s => Assert.Null(s.NodeName));
    }

    private static V1PodSpec RenderRedis(Func<string, string> changeTemplate, PodPlacement placement)
    {
        var input = MiddlewareCatalog.Input(MiddlewareCatalog.Entry("redis"), "7.2.7", "small");
        var definition = input.Definition with { ObjectsTemplate = changeTemplate(input.Definition.ObjectsTemplate!) };
        var rendered = TemplateRenderer.Render(input with { Definition = definition, Placement = placement });
        Assert.True(rendered.Succeeded, MiddlewareCatalogTests.Describe(rendered.Problem));
        return rendered.Value.OfType<V1StatefulSet>().Single().Spec.Template.Spec;
    }
}
