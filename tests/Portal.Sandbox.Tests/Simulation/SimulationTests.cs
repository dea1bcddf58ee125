using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Sandbox.Tests.Simulation;

public sealed class SimulationTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private Kubernetes Client => sandbox.Client;

    [Fact]
    public async Task A_deployment_rolls_out_to_ready_pods_and_reports_available()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("web", 3), ns);

        var deployment = await Eventually.Until(
            () => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns),
            d =>
                d.Status?.AvailableReplicas == 3
                && d.Status.Conditions?.Any(c => c.Type == "Progressing" && c.Reason == "NewReplicaSetAvailable")
                    == true
        );

        Assert.Equal(1, deployment.Status.ObservedGeneration);
        Assert.Contains(deployment.Status.Conditions, c =>
            c.Type == "Available" && c.Status == "True" && c.Reason == "MinimumReplicasAvailable"
        );
        var pods = await Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: "app=web");
        Assert.All(pods.Items, p => Assert.True(p.Metadata.Labels.ContainsKey("pod-template-hash")));
        Assert.All(pods.Items, p => Assert.Equal("ReplicaSet", p.Metadata.OwnerReferences.Single().Kind));
    }

    [Fact]
    public async Task Changing_the_template_rolls_to_a_new_replicaset_and_scales_the_old_one_down()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("web", 2), ns);
        await Eventually.Until(
            () => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns),
            d => d.Status?.AvailableReplicas == 2
        );

        await Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(
                """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""",
                V1Patch.PatchType.StrategicMergePatch
            ),
            "web",
            ns
        );

        var done = await Eventually.Until(
            () => Client.AppsV1.ReadNamespacedDeploymentAsync("web", ns),
            d =>
                d.Status?.ObservedGeneration == 2
                && d.Status.UpdatedReplicas == 2
                && d.Status.AvailableReplicas == 2
                && d.Status.Replicas == 2
        );
        var sets = await Client.AppsV1.ListNamespacedReplicaSetAsync(ns);
        Assert.Equal(2, sets.Items.Count);
        Assert.Contains(sets.Items, rs => rs.Spec.Replicas == 0);
        Assert.Equal("2", done.Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }

    [Fact]
    public async Task A_pod_that_fits_nowhere_stays_pending_with_FailedScheduling()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("huge", cpu: "64"), ns);

        var pod = await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync("huge", ns),
            p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true
        );
        var events = await Eventually.Until(
            () => Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=huge"),
            l => l.Items.Count > 0
        );

        Assert.Equal("Pending", pod.Status.Phase);
        var failed = events.Items.Single(e => e.Reason == "FailedScheduling");
        Assert.StartsWith("0/3 nodes are available: 3 Insufficient cpu.", failed.Message);
        Assert.Equal("Warning", failed.Type);
    }

    [Fact]
    public async Task Crashloop_images_back_off_with_growing_restart_counts()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("crashy", image: "example/crashloop:1"), ns);

        var pod = await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync("crashy", ns),
            p => p.Status?.ContainerStatuses?.FirstOrDefault()?.RestartCount >= 3
        );

        var status = pod.Status.ContainerStatuses.Single();
        Assert.Equal("CrashLoopBackOff", status.State.Waiting.Reason);
        Assert.Equal(1, status.LastState.Terminated.ExitCode);
        var previous = await new StreamReader(
            await Client.CoreV1.ReadNamespacedPodLogAsync("crashy", ns, previous: true)
        ).ReadToEndAsync();
        Assert.Contains("FATAL", previous);
    }

    [Fact]
    public async Task Notfound_images_fail_to_pull_then_back_off()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("missing", image: "example/notfound:1"), ns);

        var pod = await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync("missing", ns),
            p => p.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff"
        );

        Assert.Equal("Pending", pod.Status.Phase);
        var events = await Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: "involvedObject.name=missing");
        Assert.Contains(events.Items, e => e.Message == "Error: ErrImagePull");
    }

    [Fact]
    public async Task A_statefulset_creates_ordered_pods_and_bound_claims()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var set = new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db" },
            Spec = new V1StatefulSetSpec
            {
                Replicas = 3,
                ServiceName = "db",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "db" } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "db" } },
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "db", Image = "postgres:16" }] },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "data" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            Resources = new V1VolumeResourceRequirements
                            {
                                Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") },
                            },
                        },
                    },
                ],
            },
        };
        await Client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns);

        await Eventually.Until(
            () => Client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns),
            s => s.Status?.ReadyReplicas == 3
        );

        var pods = (await Client.CoreV1.ListNamespacedPodAsync(ns))
            .Items.OrderBy(p => p.Metadata.CreationTimestamp)
            .ThenBy(p => long.Parse(p.Metadata.ResourceVersion))
            .ToList();
        Assert.Equal(["db-0", "db-1", "db-2"], pods.Select(p => p.Metadata.Name).Order());
        var starts = pods.OrderBy(p => p.Metadata.Name).Select(p => p.Status.StartTime).ToList();
        Assert.True(starts[0] <= starts[1] && starts[1] <= starts[2]);
        var claims = await Client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns);
        Assert.Equal(["data-db-0", "data-db-1", "data-db-2"], claims.Items.Select(c => c.Metadata.Name));
        Assert.All(claims.Items, c => Assert.Equal("Bound", c.Status.Phase));
    }

    [Fact]
    public async Task A_job_runs_its_pod_to_completion()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.BatchV1.CreateNamespacedJobAsync(
            new V1Job
            {
                Metadata = new V1ObjectMeta { Name = "migrate" },
                Spec = new V1JobSpec
                {
                    Template = new V1PodTemplateSpec
                    {
                        Spec = new V1PodSpec
                        {
                            RestartPolicy = "Never",
                            Containers = [new V1Container { Name = "migrate", Image = "migrator:1" }],
                        },
                    },
                },
            },
            ns
        );

        var job = await Eventually.Until(
            () => Client.BatchV1.ReadNamespacedJobAsync("migrate", ns),
            j => j.Status?.Succeeded == 1 && j.Status.CompletionTime is not null
        );

        Assert.Contains(job.Status.Conditions, c => c.Type == "Complete" && c.Status == "True");
    }

    [Fact]
    public async Task An_hpa_scales_its_deployment_up_to_max_under_high_cpu()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var deployment = Build.Deployment("api", 1);
        deployment.Metadata.Annotations = new Dictionary<string, string>
        {
            ["sandbox.portal.dev/cpu-utilization"] = "400",
        };
        await Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns);
        await Eventually.Until(
            () => Client.AppsV1.ReadNamespacedDeploymentAsync("api", ns),
            d => d.Status?.AvailableReplicas == 1
        );
        await Client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(
            new V2HorizontalPodAutoscaler
            {
                Metadata = new V1ObjectMeta { Name = "api" },
                Spec = new V2HorizontalPodAutoscalerSpec
                {
                    ScaleTargetRef = new V2CrossVersionObjectReference
                    {
                        ApiVersion = "apps/v1",
                        Kind = "Deployment",
                        Name = "api",
                    },
                    MinReplicas = 1,
                    MaxReplicas = 4,
                    Metrics =
                    [
                        new V2MetricSpec
                        {
                            Type = "Resource",
                            Resource = new V2ResourceMetricSource
                            {
                                Name = "cpu",
                                Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 50 },
                            },
                        },
                    ],
                },
            },
            ns
        );

        await Eventually.Until(() => Client.AppsV1.ReadNamespacedDeploymentAsync("api", ns), d => d.Spec.Replicas == 4);
        var hpa = await Eventually.Until(
            () => Client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("api", ns),
            h => h.Status?.DesiredReplicas == 4
        );

        Assert.Contains(hpa.Status.Conditions, c => c.Type == "ScalingLimited" && c.Reason == "TooManyReplicas");
    }

    [Fact]
    public async Task Logs_honour_tail_lines_and_follow_streams_new_lines()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("chatty"), ns);
        await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync("chatty", ns),
            p => p.Status?.Phase == "Running"
        );
        await Task.Delay(300);

        var tail = await new StreamReader(
            await Client.CoreV1.ReadNamespacedPodLogAsync("chatty", ns, tailLines: 2)
        ).ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        using var follow = new StreamReader(
            await Client.CoreV1.ReadNamespacedPodLogAsync(
                "chatty",
                ns,
                follow: true,
                tailLines: 0,
                timestamps: true,
                cancellationToken: cancel.Token
            )
        );
        var first = await follow.ReadLineAsync(cancel.Token);
        var second = await follow.ReadLineAsync(cancel.Token);

        Assert.Equal(2, tail.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task A_hugeline_container_prints_one_line_of_the_size_its_tag_says_and_limit_bytes_cuts_the_answer()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("loud", image: "registry.local/hugeline:3Mi"), ns);
        await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync("loud", ns),
            p => p.Status?.Phase == "Running"
        );
        await Task.Delay(300);

        using var whole = new StreamReader(await Client.CoreV1.ReadNamespacedPodLogAsync("loud", ns));
        var first = await whole.ReadLineAsync();
        var huge = await whole.ReadLineAsync();
        var cut = await new StreamReader(
            await Client.CoreV1.ReadNamespacedPodLogAsync("loud", ns, limitBytes: 1000)
        ).ReadToEndAsync();

        Assert.Contains("starting app", first);
        Assert.Equal(3 << 20, huge!.Length - huge.IndexOf("dump ", StringComparison.Ordinal) - "dump ".Length);
        Assert.Equal(1000, cut.Length);
    }

    [Fact]
    public async Task Metrics_report_usage_for_nodes_and_running_pods()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("measured", cpu: "500m"), ns);
        await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPodAsync("measured", ns),
            p => p.Status?.Phase == "Running"
        );

        var nodes = await Client.GetKubernetesNodesMetricsAsync();
        var pods = await Client.GetKubernetesPodsMetricsByNamespaceAsync(ns);

        Assert.Equal(3, nodes.Items.Count());
        Assert.All(nodes.Items, n => Assert.True(n.Usage["cpu"].ToDecimal() > 0));
        var pod = Assert.Single(pods.Items);
        Assert.True(pod.Containers.Single().Usage["cpu"].ToDecimal() > 0);
    }
}

public sealed class FaultAndAuthenticationTests
{
    [Fact]
    public async Task Requests_without_the_token_get_401()
    {
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(
            SandboxTestCluster.FastOptions()
        );
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        using var http = new HttpClient(handler) { BaseAddress = cluster.BaseAddress };

        var response = await http.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("\"reason\":\"Unauthorized\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_read_only_token_can_list_but_not_create()
    {
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(
            SandboxTestCluster.FastOptions()
        );
        using var viewer = SandboxTestCluster.ClientFor(cluster.ReadOnlyKubeconfig);

        var namespaces = await viewer.CoreV1.ListNamespaceAsync();
        var denied = await Assert.ThrowsAsync<HttpOperationException>(() =>
            viewer.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "x" } },
                "default"
            )
        );

        Assert.NotEmpty(namespaces.Items);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Response.StatusCode);
        Assert.Contains("cannot create resource \\\"configmaps\\\"", denied.Response.Content);
    }

    [Fact]
    public async Task Each_fault_knob_takes_effect_at_run_time()
    {
        var options = SandboxTestCluster.FastOptions();
        options.RunControllers = false;
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(options);
        using var client = SandboxTestCluster.ClientFor(cluster.Kubeconfig);

        cluster.Faults.ErrorRate = 1;
        var serverError = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());
        cluster.Faults.Reset();
        cluster.Faults.ThrottleRate = 1;
        cluster.Faults.RetryAfterSeconds = 7;
        var throttled = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());
        cluster.Faults.Reset();
        cluster.Faults.Latency = TimeSpan.FromMilliseconds(300);
        var started = System.Diagnostics.Stopwatch.StartNew();
        await client.CoreV1.ListNamespaceAsync();
        var slow = started.Elapsed;
        cluster.Faults.Reset();

        Assert.Equal(HttpStatusCode.InternalServerError, serverError.Response.StatusCode);
        Assert.Equal((HttpStatusCode)429, throttled.Response.StatusCode);
        Assert.Equal("7", throttled.Response.Headers["Retry-After"].Single());
        Assert.True(slow >= TimeSpan.FromMilliseconds(290), $"took {slow}");
    }

    [Fact]
    public async Task Watch_faults_drop_streams_and_force_410()
    {
        var options = SandboxTestCluster.FastOptions();
        options.RunControllers = false;
        await using var cluster = await Portal.Sandbox.Hosting.SandboxCluster.StartAsync(options);
        using var client = SandboxTestCluster.ClientFor(cluster.Kubeconfig);
        for (var i = 0; i < 5; i++)
        {
            await client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"c{i}" } },
                "default"
            );
        }

        cluster.Faults.DropWatchAfterEvents = 2;
        var dropped = await ReadWatchLinesAsync(cluster);
        cluster.Faults.Reset();
        cluster.Faults.DropWatchAfter = TimeSpan.FromMilliseconds(200);
        var timed = System.Diagnostics.Stopwatch.StartNew();
        await ReadWatchLinesAsync(cluster);
        var timedOut = timed.Elapsed;
        cluster.Faults.Reset();
        cluster.Faults.ExpireWatches = true;
        var expired = await ReadWatchLinesAsync(cluster);

        Assert.Equal(2, dropped.Count);
        Assert.True(timedOut < TimeSpan.FromSeconds(5));
        Assert.Contains("\"type\":\"ERROR\"", Assert.Single(expired));
        Assert.Contains("\"code\":410", expired[0]);
    }

    private static async Task<List<string>> ReadWatchLinesAsync(Portal.Sandbox.Hosting.SandboxCluster cluster)
    {
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator,
        };
        using var http = new HttpClient(handler)
        {
            BaseAddress = cluster.BaseAddress,
            Timeout = TimeSpan.FromSeconds(10),
        };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer",
            cluster.Token
        );
        using var response = await http.GetAsync(
            "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=5",
            HttpCompletionOption.ResponseHeadersRead
        );
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }
        return lines;
    }
}
