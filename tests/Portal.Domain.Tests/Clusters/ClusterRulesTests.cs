using Portal.Domain.Clusters;
using Portal.Domain.Common;

namespace Portal.Domain.Tests.Clusters;

public sealed class QuantityTests
{
    [Theory]
    [InlineData("250m", 250)]
    [InlineData("2", 2000)]
    [InlineData("1.5", 1500)]
    [InlineData("0.1", 100)]
    [InlineData("100u", 1)]
    [InlineData("1e3m", 1000)]
    public void Cpu_reads_as_millicores(string text, long millis) => Assert.Equal(millis, Quantity.CpuMillis(text));

    [Theory]
    [InlineData("512Mi", 512L * 1024 * 1024)]
    [InlineData("1Gi", 1024L * 1024 * 1024)]
    [InlineData("2G", 2_000_000_000L)]
    [InlineData("128974848", 128974848L)]
    [InlineData("110", 110L)]
    [InlineData("1k", 1000L)]
    public void Memory_and_counts_read_as_whole_numbers(string text, long value) =>
        Assert.Equal(value, Quantity.Whole(text));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("lots")]
    [InlineData("12Xi")]
    public void Unreadable_quantities_count_as_nothing(string? text) => Assert.Equal(0, Quantity.CpuMillis(text));

    [Fact]
    public void Quantities_format_for_people()
    {
        Assert.Equal("4", Quantity.FormatCpu(4000));
        Assert.Equal("0.25", Quantity.FormatCpu(250));
        Assert.Equal("1.5 GiB", Quantity.FormatBytes(1536L * 1024 * 1024));
        Assert.Equal("512 B", Quantity.FormatBytes(512));
    }
}

public sealed class ClusterTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_cluster_name_is_a_dns_label()
    {
        var refused = Cluster.Register("Prod_1", null, "https://k8s", "x", "v1.31.0", "admin", Now);

        Assert.False(refused.Succeeded);
        Assert.Equal("Name", refused.Problem!.Field);
        Assert.Contains("cluster name", refused.Problem.Message);
    }

    [Fact]
    public void A_failed_check_marks_the_cluster_unreachable_until_it_answers_again()
    {
        var cluster = Cluster.Register("bj-prod", "Beijing prod", "https://k8s", "x", "v1.31.0", "admin", Now).Value;

        cluster.RecordFailure("connection refused", Now.AddMinutes(1));
        Assert.Equal(ClusterHealth.Unreachable, cluster.Health);
        Assert.Equal(Now, cluster.LastContactAt);

        cluster.RecordContact("v1.31.1", Now.AddMinutes(2));
        Assert.Equal(ClusterHealth.Healthy, cluster.Health);
        Assert.Null(cluster.LastError);
        Assert.Equal("v1.31.1", cluster.KubernetesVersion);
    }
}

public sealed class ClusterHostTests
{
    private static NodeSnapshot Node(bool ready = true, bool unschedulable = false) =>
        new(
            "node-1",
            "InternalIP=10.0.0.1",
            "worker",
            "kubernetes.io/hostname=node-1",
            "",
            "Ready=True||",
            ready,
            unschedulable,
            "",
            4000,
            8L << 30,
            110,
            100L << 30,
            3900,
            7L << 30,
            110,
            DateTime.UnixEpoch
        );

    [Fact]
    public void Observing_a_node_reports_whether_what_pages_show_changed()
    {
        var host = new ClusterHost(Guid.NewGuid(), "node-1");

        Assert.True(host.Observe(Node(), DateTime.UtcNow));
        Assert.False(host.Observe(Node(), DateTime.UtcNow));
        Assert.True(host.Observe(Node(unschedulable: true), DateTime.UtcNow));
        Assert.True(host.Observe(Node(ready: false, unschedulable: true), DateTime.UtcNow));
    }

    [Fact]
    public void Finished_pods_hold_no_resources_on_their_node()
    {
        Assert.True(new PodLoad("ns", "a", "node-1", "Running", 100, 1, 200, 2).HoldsResources);
        Assert.False(new PodLoad("ns", "b", "node-1", "Succeeded", 100, 1, 200, 2).HoldsResources);
        Assert.False(new PodLoad("ns", "c", null, "Pending", 100, 1, 200, 2).HoldsResources);
    }

    [Fact]
    public void Unscheduled_pods_count_against_their_namespace_quota_and_finished_ones_do_not()
    {
        Assert.True(new PodLoad("ns", "c", null, "Pending", 100, 1, 200, 2).CountsAgainstQuota);
        Assert.False(new PodLoad("ns", "d", "node-1", "Failed", 100, 1, 200, 2).CountsAgainstQuota);
    }

    [Fact]
    public void Workload_totals_add_and_take_away_pod_by_pod()
    {
        var pod = new PodLoad("ns", "a", "node-1", "Running", 250, 512, 500, 1024);
        var two = WorkloadTotals.Of(pod) + WorkloadTotals.Of(pod);
        Assert.Equal(new WorkloadTotals(500, 1000, 1024, 2048, 2), two);
        Assert.Equal(WorkloadTotals.Of(pod), two - WorkloadTotals.Of(pod));
    }
}
