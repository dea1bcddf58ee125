using Portal.Domain.Operations;
using Portal.Domain.Quotas;

namespace Portal.Domain.Tests.Quotas;

public sealed class QuotaGrantTests
{
    private const long Gi = 1L << 30;
    private static readonly ResourceAmounts PoolCapacity = new(8000, 8000, 32 * Gi, 32 * Gi, 500 * Gi, 330, 20);

    private static ResourceAmounts Cpu(long requestMillis, long limitMillis) =>
        new(requestMillis, limitMillis, Gi, Gi, 0, 10, 0);

    [Fact]
    public void Requests_and_limits_are_granted_separately()
    {
        var result = QuotaGrant.Check(
            "bj-prod",
            Cpu(2000, 6000),
            PoolCapacity,
            OvercommitPolicy.None,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero
        );

        Assert.True(result.Succeeded, result.Problem?.Message);
    }

    [Fact]
    public void Granting_beyond_what_the_pool_can_promise_is_refused_with_the_numbers()
    {
        var othersHold = Cpu(7500, 7500);

        var result = QuotaGrant.Check(
            "bj-prod",
            Cpu(2000, 2000),
            PoolCapacity,
            OvercommitPolicy.None,
            othersHold,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero
        );

        Assert.False(result.Succeeded);
        Assert.Contains("needs 2 CPU requests, 0.5 left of 8", result.Problem!.Message);
        Assert.Contains("Pool 'bj-prod'", result.Problem.Message);
    }

    [Fact]
    public void Overcommit_lets_cpu_be_promised_beyond_capacity_but_never_pods()
    {
        var overcommit = OvercommitPolicy.Create(2.0m, 1.0m).Value;

        var moreCpu = QuotaGrant.Check(
            "p",
            Cpu(12000, 16000),
            PoolCapacity,
            overcommit,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero
        );
        var morePods = QuotaGrant.Check(
            "p",
            Cpu(1000, 1000) with
            {
                Pods = 400,
            },
            PoolCapacity,
            overcommit,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero
        );

        Assert.True(moreCpu.Succeeded, moreCpu.Problem?.Message);
        Assert.False(morePods.Succeeded);
        Assert.Contains("needs 400 pods, 330 left of 330", morePods.Problem!.Message);
    }

    [Fact]
    public void Reducing_a_quota_below_what_the_tenant_holds_is_refused()
    {
        var allocatedToEnvironments = Cpu(3000, 3000);

        var result = QuotaGrant.Check(
            "p",
            Cpu(2000, 4000),
            PoolCapacity,
            OvercommitPolicy.None,
            ResourceAmounts.Zero,
            allocatedToEnvironments,
            ResourceAmounts.Zero
        );

        Assert.False(result.Succeeded);
        Assert.Contains("CPU requests: 2 asked, 3 held", result.Problem!.Message);
    }

    [Fact]
    public void A_limit_below_its_request_is_refused()
    {
        var result = QuotaGrant.Check(
            "p",
            Cpu(4000, 2000),
            PoolCapacity,
            OvercommitPolicy.None,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero,
            ResourceAmounts.Zero
        );

        Assert.Contains("The CPU limit (2) is below the CPU request (4)", result.Problem!.Message);
    }

    [Theory]
    [InlineData(0.5, 1.0)]
    [InlineData(1.0, 11.0)]
    public void Overcommit_ratios_are_between_one_and_ten(double cpu, double memory) =>
        Assert.False(OvercommitPolicy.Create((decimal)cpu, (decimal)memory).Succeeded);
}

public sealed class QuotaAdmissionTests
{
    [Fact]
    public void A_change_that_needs_more_than_is_left_is_refused_before_it_reaches_the_cluster()
    {
        var granted = new ResourceAmounts(8000, 16000, 1L << 34, 1L << 34, 0, 50, 2);
        var taken = ResourceAmounts.Zero with { CpuRequestMillis = 7500 };

        var result = QuotaAdmission.Admit("bj-prod", new ResourceAmounts(2000, 2000, 0, 0, 0, 1, 0), granted, taken);

        Assert.Equal("forbidden", result.Problem!.Code);
        Assert.Equal("Over quota in pool 'bj-prod': needs 2 CPU requests, 0.5 left of 8.", result.Problem.Message);
    }

    [Fact]
    public void A_change_within_what_is_left_is_admitted() =>
        Assert.True(
            QuotaAdmission
                .Admit(
                    "p",
                    new ResourceAmounts(500, 500, 0, 0, 0, 1, 0),
                    new ResourceAmounts(8000, 8000, 0, 0, 0, 10, 0),
                    new ResourceAmounts(7500, 7500, 0, 0, 0, 9, 0)
                )
                .Succeeded
        );
}

public sealed class NamespaceNameTests
{
    [Fact]
    public void A_namespace_is_tenant_dash_environment() =>
        Assert.Equal("acme-prod", NamespaceName.For("acme", "prod"));

    [Fact]
    public void Characters_kubernetes_refuses_become_dashes() =>
        Assert.Equal("acme-qa-east", NamespaceName.For("acme", "QA_East"));

    [Fact]
    public void Long_names_are_shortened_stably_and_stay_distinct()
    {
        var tenant = new string('t', 30);
        var first = NamespaceName.For(tenant, new string('e', 40) + "-one");
        var second = NamespaceName.For(tenant, new string('e', 40) + "-two");

        Assert.Equal(NamespaceName.MaxLength, first.Length);
        Assert.NotEqual(first, second);
        Assert.Equal(first, NamespaceName.For(tenant, new string('e', 40) + "-one"));
        Assert.Matches("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", first);
    }
}

public sealed class OvercommitChangeTests
{
    private static readonly ResourceAmounts Capacity = new(8000, 8000, 32L << 30, 32L << 30, 0, 220, 0);

    [Fact]
    public void Lowering_overcommit_below_what_tenants_were_granted_is_refused_with_the_numbers()
    {
        var pool = ResourcePool.Create("bj-prod", null, Guid.NewGuid(), null, "bj", 2m, 1m, DateTime.UtcNow).Value;
        var granted = new ResourceAmounts(12000, 16000, 8L << 30, 8L << 30, 0, 10, 0);

        var refused = pool.ChangeOvercommit(1.25m, 1m, Capacity, granted);
        var raised = pool.ChangeOvercommit(2.5m, 1.5m, Capacity, granted);

        Assert.False(refused.Succeeded);
        Assert.Contains(
            "CPU requests: 12 granted, 10 grantable; CPU limits: 16 granted, 10 grantable",
            refused.Problem!.Message
        );
        Assert.True(raised.Succeeded);
        Assert.Equal(new OvercommitPolicy(2.5m, 1.5m), pool.Overcommit);
    }

    [Fact]
    public void An_overcommit_ratio_below_one_is_refused()
    {
        var pool = ResourcePool.Create("bj-prod", null, Guid.NewGuid(), null, "bj", 1m, 1m, DateTime.UtcNow).Value;

        Assert.Equal("Overcommit", pool.ChangeOvercommit(0.5m, 1m, Capacity, ResourceAmounts.Zero).Problem!.Field);
        Assert.Equal(OvercommitPolicy.None, pool.Overcommit);
    }
}

public sealed class OperationTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_resumed_operation_skips_the_steps_done_before_it_stopped()
    {
        var operation = new Operation(
            Guid.NewGuid(),
            "environment.create",
            "environment",
            "prod",
            "admin@acme.test",
            Now
        );
        operation.Claim("run-1", Now.AddMinutes(15), Now);
        operation.BeginStep("namespace", Now);
        operation.CompleteStep("namespace", Now.AddSeconds(1));
        operation.BeginStep("resource-quota", Now.AddSeconds(1));

        Assert.True(operation.Claim("run-2", Now.AddMinutes(31), Now.AddMinutes(16)));
        Assert.True(operation.HasDone("namespace"));
        Assert.False(operation.HasDone("resource-quota"));
        Assert.Equal(2, operation.Attempts);
    }

    [Fact]
    public void A_failure_names_its_step_and_reason_and_can_be_retried()
    {
        var operation = new Operation(
            Guid.NewGuid(),
            "environment.create",
            "environment",
            "prod",
            "admin@acme.test",
            Now
        );
        operation.Claim("run-1", Now.AddMinutes(15), Now);
        operation.BeginStep("resource-quota", Now);

        operation.Fail("exceeded quota: q, requested: requests.cpu=2", Now.AddSeconds(2));

        Assert.Equal(OperationState.Failed, operation.State);
        Assert.Equal("exceeded quota: q, requested: requests.cpu=2", operation.Steps.Single().Error);
        Assert.False(operation.Claim("run-1", Now.AddMinutes(15), Now));
        Assert.True(operation.Retry(Now).Succeeded);
        Assert.Equal(OperationState.Queued, operation.State);
        Assert.False(operation.Retry(Now).Succeeded);
    }

    [Fact]
    public void An_operation_stalls_when_it_stays_queued_too_long_or_the_claim_of_its_run_lapses()
    {
        var queuedFor = TimeSpan.FromMinutes(2);
        var runningFor = TimeSpan.FromMinutes(15);
        var operation = new Operation(
            Guid.NewGuid(),
            "environment.create",
            "environment",
            "prod",
            "admin@acme.test",
            Now
        );

        Assert.False(operation.IsStalled(Now.AddMinutes(1), queuedFor, runningFor));
        Assert.True(operation.IsStalled(Now.AddMinutes(3), queuedFor, runningFor));
        operation.Requeued(Now.AddMinutes(3));
        Assert.False(operation.IsStalled(Now.AddMinutes(4), queuedFor, runningFor));
        Assert.True(operation.Claim("run-1", Now.AddMinutes(19), Now.AddMinutes(4)));
        Assert.False(operation.Claim("run-2", Now.AddMinutes(20), Now.AddMinutes(5)));
        Assert.False(operation.IsStalled(Now.AddMinutes(18), queuedFor, runningFor));
        Assert.True(operation.IsStalled(Now.AddMinutes(20), queuedFor, runningFor));
        Assert.True(operation.Claim("run-2", Now.AddMinutes(35), Now.AddMinutes(20)));
        Assert.Equal("run-2", operation.ClaimedBy);
        Assert.Equal(2, operation.Attempts);
        operation.Succeed(Now.AddMinutes(27));
        Assert.False(operation.IsStalled(Now.AddDays(1), queuedFor, runningFor));
        Assert.False(operation.Claim("run-3", Now.AddDays(2), Now.AddDays(1)));
    }
}
