using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Sandbox.Tests.Api;

public sealed class ApiContractTests(SandboxTestCluster sandbox) : IClassFixture<SandboxTestCluster>
{
    private Kubernetes Client => sandbox.Client;

    [Fact]
    public async Task Deleting_a_service_or_a_claim_answers_with_the_deleted_object_as_the_api_server_does()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "web" },
                Spec = new V1ServiceSpec
                {
                    Ports = [new V1ServicePort { Port = 80 }],
                    Selector = new Dictionary<string, string> { ["app"] = "web" },
                },
            },
            ns
        );

        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
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
            ns
        );

        var deleted = await Client.CoreV1.DeleteNamespacedServiceAsync("web", ns);
        var deletedClaim = await Client.CoreV1.DeleteNamespacedPersistentVolumeClaimAsync("data", ns);

        Assert.Equal("web", deleted.Metadata.Name);
        Assert.Equal("data", deletedClaim.Metadata.Name);
        Assert.Empty((await Client.CoreV1.ListNamespacedServiceAsync(ns)).Items);
    }

    [Fact]
    public async Task A_created_configmap_can_be_read_listed_updated_patched_and_deleted()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = "settings" },
                Data = new Dictionary<string, string> { ["a"] = "1" },
            },
            ns
        );
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.NotNull(created.Metadata.CreationTimestamp);

        var read = await Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns);
        Assert.Equal("1", read.Data["a"]);

        read.Data["a"] = "2";
        var updated = await Client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "settings", ns);
        Assert.True(long.Parse(updated.Metadata.ResourceVersion) > long.Parse(created.Metadata.ResourceVersion));

        var patched = await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"b":"3"}}""", V1Patch.PatchType.MergePatch),
            "settings",
            ns
        );
        Assert.Equal("2", patched.Data["a"]);
        Assert.Equal("3", patched.Data["b"]);

        var listed = await Client.CoreV1.ListNamespacedConfigMapAsync(ns);
        Assert.Single(listed.Items);

        await Client.CoreV1.DeleteNamespacedConfigMapAsync("settings", ns);
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns)
        );
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Contains("configmaps \\\"settings\\\" not found", missing.Response.Content);
    }

    [Fact]
    public async Task A_stale_resource_version_gets_409()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } },
            ns
        );
        await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""{"data":{"x":"y"}}""", V1Patch.PatchType.MergePatch),
            "cm",
            ns
        );

        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "cm", ns)
        );

        Assert.Equal(HttpStatusCode.Conflict, conflict.Response.StatusCode);
        Assert.Contains(
            "the object has been modified; please apply your changes to the latest version and try again",
            conflict.Response.Content
        );
    }

    [Fact]
    public async Task Creating_an_existing_name_gets_409_AlreadyExists()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dup" } },
            ns
        );

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "dup" } },
                ns
            )
        );

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("\"reason\":\"AlreadyExists\"", error.Response.Content);
    }

    [Fact]
    public async Task A_pod_without_containers_or_with_a_bad_name_gets_422()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var noContainers = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "empty" },
            Spec = new V1PodSpec { Containers = [] },
        };

        var invalid = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedPodAsync(noContainers, ns)
        );
        var badName = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("Bad_Name"), ns)
        );

        Assert.Equal((HttpStatusCode)422, invalid.Response.StatusCode);
        Assert.Contains("Pod \\\"empty\\\" is invalid: spec.containers: Required value", invalid.Response.Content);
        Assert.Equal((HttpStatusCode)422, badName.Response.StatusCode);
        Assert.Contains("a lowercase RFC 1123 subdomain", badName.Response.Content);
    }

    [Fact]
    public async Task GenerateName_produces_a_unique_name_with_the_prefix()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var created = await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } },
            ns
        );

        Assert.StartsWith("gen-", created.Metadata.Name);
        Assert.Equal(9, created.Metadata.Name.Length);
    }

    [Fact]
    public async Task Label_selectors_support_equality_set_and_existence_operators()
    {
        var ns = await sandbox.NewNamespaceAsync();
        foreach (var (name, tier) in new[] { ("a", "web"), ("b", "db"), ("c", "cache") })
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = name,
                        Labels = new Dictionary<string, string> { ["tier"] = tier },
                    },
                },
                ns
            );
        }
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "unlabelled" } },
            ns
        );

        async Task<string> Names(string selector) =>
            string.Join(
                ",",
                (await Client.CoreV1.ListNamespacedConfigMapAsync(ns, labelSelector: selector)).Items.Select(i =>
                    i.Metadata.Name
                )
            );

        Assert.Equal("a", await Names("tier=web"));
        Assert.Equal("a", await Names("tier==web"));
        Assert.Equal("b,c,unlabelled", await Names("tier!=web"));
        Assert.Equal("a,b", await Names("tier in (web,db)"));
        Assert.Equal("c,unlabelled", await Names("tier notin (web,db)"));
        Assert.Equal("a,b,c", await Names("tier"));
        Assert.Equal("unlabelled", await Names("!tier"));
    }

    [Fact]
    public async Task Field_selectors_filter_pods_by_name_node_and_phase()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("one"), ns);
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("two"), ns);
        await Eventually.Until(
            () => Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "status.phase=Running"),
            l => l.Items.Count == 2
        );

        var byName = await Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "metadata.name=two");
        var node = byName.Items.Single().Spec.NodeName;
        var byNode = await Client.CoreV1.ListPodForAllNamespacesAsync(
            fieldSelector: $"spec.nodeName={node},metadata.namespace={ns}"
        );

        Assert.Equal("two", byName.Items.Single().Metadata.Name);
        Assert.Contains(byNode.Items, p => p.Metadata.Name == "two");
        Assert.All(byNode.Items, p => Assert.Equal(node, p.Spec.NodeName));
        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "status.phase=Pending")).Items);
    }

    [Fact]
    public async Task Limit_and_continue_page_through_a_list()
    {
        var ns = await sandbox.NewNamespaceAsync();
        for (var i = 0; i < 7; i++)
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}" } },
                ns
            );
        }
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 3, continueParameter: token);
            Assert.False(string.IsNullOrEmpty(page.Metadata.ResourceVersion));
            seen.AddRange(page.Items.Select(i => i.Metadata.Name));
            token = page.Metadata.ContinueProperty;
            pages++;
        } while (!string.IsNullOrEmpty(token));

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"cm-{i}"), seen);
    }

    [Fact]
    public async Task A_page_that_stops_short_says_how_many_remain_unless_a_selector_makes_that_unknown()
    {
        var ns = await sandbox.NewNamespaceAsync();
        for (var i = 0; i < 7; i++)
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap
                {
                    Metadata = new V1ObjectMeta
                    {
                        Name = $"cm-{i}",
                        Labels = new Dictionary<string, string> { ["n"] = $"{i}" },
                    },
                },
                ns
            );
        }

        var first = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 3);
        var second = await Client.CoreV1.ListNamespacedConfigMapAsync(
            ns,
            limit: 3,
            continueParameter: first.Metadata.ContinueProperty
        );
        var last = await Client.CoreV1.ListNamespacedConfigMapAsync(
            ns,
            limit: 3,
            continueParameter: second.Metadata.ContinueProperty
        );
        var selected = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 3, labelSelector: "n");
        var acrossNamespaces = await Client.CoreV1.ListConfigMapForAllNamespacesAsync(limit: 1);
        var everywhere = (await Client.CoreV1.ListConfigMapForAllNamespacesAsync()).Items.Count;

        Assert.Equal(4, first.Metadata.RemainingItemCount);
        Assert.Equal(1, second.Metadata.RemainingItemCount);
        Assert.Null(last.Metadata.RemainingItemCount);
        Assert.NotNull(selected.Metadata.ContinueProperty);
        Assert.Null(selected.Metadata.RemainingItemCount);
        Assert.Equal(everywhere - 1, acrossNamespaces.Metadata.RemainingItemCount);
    }

    [Fact]
    public async Task A_paged_list_across_namespaces_with_a_selector_returns_each_match_once_and_ends_with_the_last_match()
    {
        var first = await sandbox.NewNamespaceAsync();
        var second = await sandbox.NewNamespaceAsync();
        var expected = new List<string>();
        foreach (var ns in new[] { first, second }.Order(StringComparer.Ordinal))
        {
            for (var i = 0; i < 5; i++)
            {
                var picked = i % 2 == 0;
                var labels = new Dictionary<string, string> { ["pick"] = picked ? ns : "no" };
                await Client.CoreV1.CreateNamespacedConfigMapAsync(
                    new V1ConfigMap
                    {
                        Metadata = new V1ObjectMeta { Name = $"cm-{i}", Labels = labels },
                    },
                    ns
                );
                if (picked)
                {
                    expected.Add($"{ns}/cm-{i}");
                }
            }
        }
        var selector = $"pick in ({first},{second})";
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Client.CoreV1.ListConfigMapForAllNamespacesAsync(
                labelSelector: selector,
                limit: 2,
                continueParameter: token
            );
            seen.AddRange(page.Items.Select(i => $"{i.Metadata.NamespaceProperty}/{i.Metadata.Name}"));
            token = page.Metadata.ContinueProperty;
            pages++;
        } while (!string.IsNullOrEmpty(token));

        Assert.Equal(expected, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task A_continue_token_still_resumes_after_the_last_returned_object_is_deleted()
    {
        var ns = await sandbox.NewNamespaceAsync();
        for (var i = 0; i < 4; i++)
        {
            await Client.CoreV1.CreateNamespacedConfigMapAsync(
                new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}" } },
                ns
            );
        }
        var page = await Client.CoreV1.ListNamespacedConfigMapAsync(ns, limit: 2);
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("cm-1", ns);

        var rest = await Client.CoreV1.ListNamespacedConfigMapAsync(
            ns,
            limit: 2,
            continueParameter: page.Metadata.ContinueProperty
        );

        Assert.Equal(["cm-2", "cm-3"], rest.Items.Select(i => i.Metadata.Name));
        Assert.Null(rest.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_by_name()
    {
        var ns = await sandbox.NewNamespaceAsync();
        var deployment = Build.Deployment("web", 1);
        deployment.Spec.Template.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "envoy:1" });
        await Client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns);

        var patch = """{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.28"}]}}}}""";
        var patched = await Client.AppsV1.PatchNamespacedDeploymentAsync(
            new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch),
            "web",
            ns
        );

        Assert.Equal(["nginx:1.28", "envoy:1"], patched.Spec.Template.Spec.Containers.Select(c => c.Image));
        Assert.Equal(2, patched.Metadata.Generation);
    }

    [Fact]
    public async Task Json_patch_replaces_a_field()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = "cm" },
                Data = new Dictionary<string, string> { ["k"] = "v" },
            },
            ns
        );

        var patched = await Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"replace","path":"/data/k","value":"w"}]""", V1Patch.PatchType.JsonPatch),
            "cm",
            ns
        );

        Assert.Equal("w", patched.Data["k"]);
    }

    [Fact]
    public async Task Cordoning_a_node_sets_spec_unschedulable()
    {
        var node = (await Client.CoreV1.ListNodeAsync()).Items.First().Metadata.Name;
        try
        {
            var cordoned = await Client.CoreV1.PatchNodeAsync(
                new V1Patch("""{"spec":{"unschedulable":true}}""", V1Patch.PatchType.StrategicMergePatch),
                node
            );
            Assert.True(cordoned.Spec.Unschedulable);
        }
        finally
        {
            await Client.CoreV1.PatchNodeAsync(
                new V1Patch("""{"spec":{"unschedulable":null}}""", V1Patch.PatchType.MergePatch),
                node
            );
        }
    }

    [Fact]
    public async Task Status_and_scale_subresources_read_and_write()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("web", 1), ns);

        var scale = await Client.AppsV1.ReadNamespacedDeploymentScaleAsync("web", ns);
        await Client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch("""{"spec":{"replicas":2}}""", V1Patch.PatchType.MergePatch),
            "web",
            ns
        );
        var status = await Client.AppsV1.ReadNamespacedDeploymentStatusAsync("web", ns);

        Assert.Equal(2, status.Spec.Replicas);
        Assert.Equal("app=web", scale.Status.Selector);
    }

    [Fact]
    public async Task Deleting_a_deployment_deletes_its_replicasets_and_pods()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.AppsV1.CreateNamespacedDeploymentAsync(Build.Deployment("web", 2), ns);
        await Eventually.Until(() => Client.CoreV1.ListNamespacedPodAsync(ns), l => l.Items.Count == 2);

        await Client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns, propagationPolicy: "Foreground");

        await Eventually.Until(
            async () =>
                (await Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count
                + (await Client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count,
            n => n == 0
        );
    }

    [Fact]
    public async Task Deleting_a_namespace_deletes_everything_in_it()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" } },
            ns
        );
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("p"), ns);

        await Client.CoreV1.DeleteNamespaceAsync(ns);

        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.ReadNamespaceAsync(ns));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
        Assert.DoesNotContain((await Client.CoreV1.ListPodForAllNamespacesAsync()).Items, p =>
            p.Metadata.NamespaceProperty == ns
        );
    }

    [Fact]
    public async Task A_pod_over_quota_is_forbidden_with_the_real_message()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedResourceQuotaAsync(
            new V1ResourceQuota
            {
                Metadata = new V1ObjectMeta { Name = "q" },
                Spec = new V1ResourceQuotaSpec
                {
                    Hard = new Dictionary<string, ResourceQuantity> { ["requests.cpu"] = new("8") },
                },
            },
            ns
        );
        await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("big", cpu: "7"), ns);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("x", cpu: "2"), ns)
        );

        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains(
            "pods \\\"x\\\" is forbidden: exceeded quota: q, requested: "
                + "requests.cpu=2, used: requests.cpu=7, limited: requests.cpu=8",
            error.Response.Content
        );
        // The quota's status is first written when the quota is made, with nothing used yet: wait for the count that
        // follows the admitted pod, then check it holds that pod alone and not the refused one.
        var quota = await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedResourceQuotaAsync("q", ns),
            q => q.Status?.Used?.TryGetValue("requests.cpu", out var cpu) == true && cpu.ToString() != "0"
        );
        Assert.Equal("7", quota.Status.Used["requests.cpu"].ToString());
    }

    [Fact]
    public async Task LimitRange_defaults_fill_in_missing_requests_and_limits()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedLimitRangeAsync(
            new V1LimitRange
            {
                Metadata = new V1ObjectMeta { Name = "defaults" },
                Spec = new V1LimitRangeSpec
                {
                    Limits =
                    [
                        new V1LimitRangeItem
                        {
                            Type = "Container",
                            DefaultProperty = new Dictionary<string, ResourceQuantity>
                            {
                                ["cpu"] = new("500m"),
                                ["memory"] = new("256Mi"),
                            },
                            DefaultRequest = new Dictionary<string, ResourceQuantity>
                            {
                                ["cpu"] = new("100m"),
                                ["memory"] = new("128Mi"),
                            },
                        },
                    ],
                },
            },
            ns
        );

        var pod = await Client.CoreV1.CreateNamespacedPodAsync(Build.Pod("defaulted"), ns);

        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("100m", resources.Requests["cpu"].ToString());
        Assert.Equal("256Mi", resources.Limits["memory"].ToString());
    }

    [Fact]
    public async Task Every_served_kind_supports_create_and_list()
    {
        var ns = await sandbox.NewNamespaceAsync();
        await Client.CoreV1.CreateNamespacedSecretAsync(
            new V1Secret
            {
                Metadata = new V1ObjectMeta { Name = "s" },
                StringData = new Dictionary<string, string> { ["k"] = "v" },
            },
            ns
        );
        await Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service
            {
                Metadata = new V1ObjectMeta { Name = "svc" },
                Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }] },
            },
            ns
        );
        await Client.NetworkingV1.CreateNamespacedIngressAsync(
            new V1Ingress
            {
                Metadata = new V1ObjectMeta { Name = "ing" },
                Spec = new V1IngressSpec(),
            },
            ns
        );
        await Client.NetworkingV1.CreateNamespacedNetworkPolicyAsync(
            new V1NetworkPolicy
            {
                Metadata = new V1ObjectMeta { Name = "np" },
                Spec = new V1NetworkPolicySpec { PodSelector = new V1LabelSelector() },
            },
            ns
        );
        await Client.CoreV1.CreateNamespacedPersistentVolumeClaimAsync(
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
            ns
        );

        Assert.Single((await Client.CoreV1.ListNamespacedSecretAsync(ns)).Items);
        Assert.StartsWith("10.96.", (await Client.CoreV1.ReadNamespacedServiceAsync("svc", ns)).Spec.ClusterIP);
        Assert.Single((await Client.NetworkingV1.ListNamespacedIngressAsync(ns)).Items);
        Assert.Single((await Client.NetworkingV1.ListNamespacedNetworkPolicyAsync(ns)).Items);
        await Eventually.Until(
            () => Client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("data", ns),
            c => c.Status?.Phase == "Bound"
        );
    }

    [Fact]
    public async Task Discovery_lists_groups_and_resources_with_short_names()
    {
        var groups = await Client.Apis.GetAPIVersionsAsync();
        var core = await Client.CoreV1.GetAPIResourcesAsync();

        Assert.Contains(groups.Groups, g => g.Name == "apps");
        Assert.Contains(groups.Groups, g => g.Name == "metrics.k8s.io");
        var pods = core.Resources.Single(r => r.Name == "pods");
        Assert.True(pods.Namespaced);
        Assert.Contains("po", pods.ShortNames);
        Assert.Contains("watch", pods.Verbs);
    }
}
