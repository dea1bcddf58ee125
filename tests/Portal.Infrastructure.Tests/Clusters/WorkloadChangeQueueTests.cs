using Portal.Infrastructure.Clusters;

namespace Portal.Infrastructure.Tests.Clusters;

public sealed class WorkloadChangeQueueTests
{
    private static readonly Guid Cluster = Guid.NewGuid();

    private static AppWorkload App(int n) => new(Cluster, "shop-prod", $"app-{n}");

    [Fact]
    public void A_status_change_is_taken_before_a_backlog_of_usage_changes_queued_earlier()
    {
        var queue = new WorkloadChangeQueue();
        queue.UsageChanged(Enumerable.Range(0, 1000).Select(App));
        queue.StatusChanged([App(5000)]);

        var first = queue.Take(10);

        Assert.Equal(10, first.Count);
        Assert.Equal(App(5000), first[0]);
        Assert.Equal(9, first.Skip(1).Count(w => w.App.StartsWith("app-", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_workload_taken_for_its_status_is_not_taken_again_for_its_usage()
    {
        var queue = new WorkloadChangeQueue();
        queue.UsageChanged([App(1), App(2)]);
        queue.StatusChanged([App(1)]);

        var taken = queue.Take(10);

        Assert.Equal([App(1), App(2)], taken);
        Assert.Empty(queue.Take(10));
    }

    [Fact]
    public void A_workload_changed_many_times_while_waiting_is_taken_once()
    {
        var queue = new WorkloadChangeQueue();
        for (var i = 0; i < 3; i++)
        {
            queue.StatusChanged([App(1)]);
            queue.UsageChanged([App(1)]);
        }

        Assert.Equal([App(1)], queue.Take(10));
        Assert.Empty(queue.Take(10));
    }
}
