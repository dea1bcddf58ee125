using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

public sealed class BuildSlotsTests
{
    [Fact]
    public async Task Builds_beyond_the_capacity_wait_and_start_in_the_order_they_came()
    {
        var slots = new BuildSlots(capacity: 1, perKey: 10);
        var first = await slots.AcquireAsync("acme", default);
        var started = new List<int>();
        var waiting = Enumerable.Range(1, 6).Select(i => RunAsync(slots, "acme", i, started)).ToList();

        Assert.Equal(1, slots.Running);
        Assert.Equal(6, slots.Waiting);
        first.Dispose();
        await Task.WhenAll(waiting);

        Assert.Equal([1, 2, 3, 4, 5, 6], started);
        Assert.Equal(0, slots.Running);
    }

    [Fact]
    public async Task A_tenant_at_its_own_limit_lets_another_tenants_build_go_first()
    {
        var slots = new BuildSlots(capacity: 2, perKey: 1);
        using var running = await slots.AcquireAsync("acme", default);
        var secondOfAcme = slots.AcquireAsync("acme", default);

        var globexWaited = false;
        var globex = slots.AcquireAsync("globex", default, _ => globexWaited = true);

        Assert.True(globex.IsCompletedSuccessfully, "globex takes the free slot acme may not use");
        Assert.False(globexWaited, "and is not told it waits");
        Assert.False(secondOfAcme.IsCompleted);
        (await globex).Dispose();
        Assert.False(secondOfAcme.IsCompleted);
        running.Dispose();
        (await secondOfAcme).Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_tenant_with_ten_queued_builds_does_not_starve_another_tenants_one(int perTenant)
    {
        var slots = new BuildSlots(capacity: 2, perKey: perTenant);
        var acme = Enumerable.Range(0, 10).Select(_ => slots.AcquireAsync("acme", default)).ToList();
        var globex = slots.AcquireAsync("globex", default);

        if (!globex.IsCompleted)
            (await acme[0]).Dispose(); // the first slot to free

        Assert.True(globex.IsCompletedSuccessfully, "globex runs no later than when the first slot frees");
        Assert.False(acme[2].IsCompleted, "before acme's third build");
        (await globex).Dispose();
        foreach (var build in acme)
            (await build.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        Assert.Equal(0, slots.Running);
    }

    [Fact]
    public async Task Free_slots_go_round_the_tenants_and_each_tenants_builds_start_in_the_order_they_came()
    {
        var slots = new BuildSlots(capacity: 1, perKey: 5);
        var first = await slots.AcquireAsync("acme", default);
        var started = new List<string>();
        var waiting = new[] { "acme", "acme", "acme", "globex", "initech", "globex" }
            .Select(
                async (tenant, i) =>
                {
                    using var slot = await slots.AcquireAsync(tenant, default);
                    started.Add($"{tenant}{i}");
                }
            )
            .ToList();

        first.Dispose();
        await Task.WhenAll(waiting);

        Assert.Equal(["globex3", "initech4", "acme0", "globex5", "acme1", "acme2"], started);
    }

    [Fact]
    public async Task Ten_builds_of_five_tenants_on_two_slots_never_run_more_than_two_and_none_is_lost()
    {
        var slots = new BuildSlots(capacity: 2, perKey: 1);
        var atOnce = 0;
        var most = 0;
        var finished = 0;

        await Task.WhenAll(
            Enumerable
                .Range(0, 10)
                .Select(async i =>
                {
                    using var slot = await slots.AcquireAsync($"tenant-{i % 5}", default);
                    most = Math.Max(most, Interlocked.Increment(ref atOnce));
                    await Task.Delay(10);
                    Interlocked.Decrement(ref atOnce);
                    Interlocked.Increment(ref finished);
                })
        );

        Assert.Equal(10, finished);
        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task A_build_cancelled_while_waiting_leaves_the_queue_as_if_it_never_came()
    {
        var slots = new BuildSlots(capacity: 1);
        var running = await slots.AcquireAsync("acme", default);
        using var cancel = new CancellationTokenSource();
        var cancelled = slots.AcquireAsync("globex", cancel.Token);
        var next = slots.AcquireAsync("initech", default);
        var ahead = -1;
        var last = slots.AcquireAsync("umbrella", default, queued => ahead = queued);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(2, slots.Waiting);
        Assert.Equal(2, ahead);
        running.Dispose();
        (await next).Dispose();
        (await last).Dispose();
        Assert.Equal(0, slots.Running);
    }

    [Fact]
    public async Task Releasing_a_slot_twice_frees_it_once()
    {
        var slots = new BuildSlots(capacity: 1, perKey: 1);
        var slot = await slots.AcquireAsync("acme", default);
        var waiting = slots.AcquireAsync("acme", default);

        slot.Dispose();
        slot.Dispose();

        using var second = await waiting;
        Assert.Equal(1, slots.Running);
    }

    private static async Task RunAsync(BuildSlots slots, string key, int number, List<int> started)
    {
        using var slot = await slots.AcquireAsync(key, default);
        lock (started)
            started.Add(number);
        await Task.Delay(1);
    }
}
