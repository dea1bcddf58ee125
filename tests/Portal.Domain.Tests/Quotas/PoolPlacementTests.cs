using Portal.Domain.Quotas;

namespace Portal.Domain.Tests.Quotas;

public sealed class PoolPlacementTests
{
    private static readonly Guid Cluster = Guid.NewGuid();

    private static ResourcePool Pool(string name, string selector = "", bool dedicated = false) =>
        ResourcePool.Create(name, null, Cluster, selector, "bj", 1m, 1m, DateTime.UtcNow, dedicated).Value;

    [Fact]
    public void Taints_read_back_as_the_inventory_writes_them()
    {
        var taints = NodeTaint.ParseLines(
            "portal/pool=gpu:NoSchedule\nnode-role.kubernetes.io/control-plane:NoSchedule\nbatch=yes:PreferNoSchedule"
        );

        Assert.Equal(
            [
                new NodeTaint("portal/pool", "gpu", "NoSchedule"),
                new NodeTaint("node-role.kubernetes.io/control-plane", "", "NoSchedule"),
                new NodeTaint("batch", "yes", "PreferNoSchedule"),
            ],
            taints
        );
        Assert.Equal("node-role.kubernetes.io/control-plane:NoSchedule", taints[1].ToString());
    }

    [Fact]
    public void A_pools_pods_carry_its_selector_and_tolerate_its_own_taint_and_no_other()
    {
        var placement = Pool("gpu", "accelerator=a100").Placement;

        Assert.Equal(new Dictionary<string, string> { ["accelerator"] = "a100" }, placement.SelectorLabels);
        Assert.True(placement.Tolerates(new NodeTaint("portal/pool", "gpu", "NoExecute")));
        Assert.False(placement.Tolerates(new NodeTaint("portal/pool", "db", "NoSchedule")));
        Assert.False(placement.Tolerates(new NodeTaint("node-role.kubernetes.io/control-plane", "", "NoSchedule")));
        Assert.True(placement.Tolerates(new NodeTaint("batch", "yes", "PreferNoSchedule")));
    }

    [Fact]
    public void A_node_a_dedicated_pool_selects_counts_in_that_pool_alone_tainted_yet_or_not()
    {
        var gpu = Pool("gpu", "accelerator=a100", dedicated: true);
        var everything = Pool("everything");
        ResourcePool[] pools = [gpu, everything];
        const string gpuNode = "kubernetes.io/hostname=n1\naccelerator=a100";
        const string plainNode = "kubernetes.io/hostname=n2";

        Assert.True(gpu.Holds(gpuNode, "", pools));
        Assert.True(gpu.Holds(gpuNode, "portal/pool=gpu:NoSchedule", pools));
        Assert.False(everything.Holds(gpuNode, "", pools));
        Assert.False(everything.Holds(gpuNode, "portal/pool=gpu:NoSchedule", pools));
        Assert.True(everything.Holds(plainNode, "", pools));
        Assert.False(gpu.Holds(plainNode, "", pools));
    }

    [Fact]
    public void A_node_whose_taint_no_pool_tolerates_counts_in_no_pool()
    {
        var everything = Pool("everything");

        Assert.False(
            everything.Holds(
                "kubernetes.io/hostname=cp",
                "node-role.kubernetes.io/control-plane:NoSchedule",
                [everything]
            )
        );
        Assert.True(everything.Holds("kubernetes.io/hostname=n1", "spot=true:PreferNoSchedule", [everything]));
    }

    [Fact]
    public void Two_dedicated_pools_that_could_select_one_node_are_refused()
    {
        var gpu = Pool("gpu", "pool=gpu", dedicated: true);
        var zoneA = Pool("zone-a", "zone=a");
        var db = Pool("db", "pool=db");

        var refused = zoneA.Dedicate(true, [gpu, zoneA, db]);
        var accepted = db.Dedicate(true, [gpu, zoneA, db]);

        Assert.False(refused.Succeeded);
        Assert.Contains("dedicated pool(s) 'gpu' could select the same nodes", refused.Problem!.Message);
        Assert.False(zoneA.Dedicated);
        Assert.True(accepted.Succeeded);
        Assert.True(db.Dedicated);
    }
}
