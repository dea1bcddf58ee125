using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Domain.Tests.Builds;

public sealed class BuildTests
{
    private static readonly DateTime T0 = new(2026, 12, 6, 10, 0, 0, DateTimeKind.Utc);
    private static readonly SourceCommit Commit = new(
        "4f2a9c1e0b7d3a5f6e8c9b0a1d2e3f4a5b6c7d8e",
        "Serve /health",
        "Ada <ada@shop.example>",
        T0.AddHours(-1)
    );

    private static Build Queued(int lastNumber = 0) =>
        Build.Queue(Guid.NewGuid(), Guid.NewGuid(), lastNumber, " main ", "ada@shop.example", T0).Value;

    [Fact]
    public void A_build_is_numbered_after_the_applications_last_and_waits_for_its_run()
    {
        var build = Queued(lastNumber: 6);

        Assert.Equal(7, build.Number);
        Assert.Equal("main", build.Ref);
        Assert.Equal(BuildState.Queued, build.State);
        Assert.Null(build.StartedAt);
        Assert.Null(build.Duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void A_build_without_a_ref_is_refused_at_the_ref(string? gitRef)
    {
        var queued = Build.Queue(Guid.NewGuid(), Guid.NewGuid(), 0, gitRef, "ada@shop.example", T0);

        Assert.False(queued.Succeeded);
        Assert.Equal(ProblemKind.Invalid, queued.Problem!.Kind);
        Assert.Equal("Ref", queued.Problem.Field);
    }

    [Fact]
    public void A_successful_build_keeps_the_commit_and_the_image_pinned_by_digest()
    {
        var build = Queued();
        build.Start(T0.AddSeconds(5));
        build.Fetched(Commit);
        build.Detected(new RecipeChoice("go", new Dictionary<string, string> { ["port"] = "8080" }));

        build.Succeed(
            new PushedImage("127.0.0.1:5000/shop/orders", "4f2a9c1e0b7d", "sha256:" + new string('a', 64), 12_345_678),
            T0.AddSeconds(95)
        );

        Assert.Equal(BuildState.Succeeded, build.State);
        Assert.Equal("4f2a9c1e0b7d", build.Commit!.ShortSha);
        Assert.Equal("127.0.0.1:5000/shop/orders@sha256:" + new string('a', 64), build.Image!.Pinned);
        Assert.Equal("127.0.0.1:5000/shop/orders:4f2a9c1e0b7d", build.Image.Tagged);
        Assert.Equal(TimeSpan.FromSeconds(90), build.Duration);
    }

    [Fact]
    public void A_build_cannot_succeed_without_the_commit_it_built()
    {
        var build = Queued();
        build.Start(T0);

        Assert.Throws<InvalidOperationException>(() =>
            build.Succeed(new PushedImage("r/shop/orders", "x", "sha256:" + new string('b', 64), 1), T0)
        );
    }

    [Fact]
    public void A_failed_build_says_why_in_words_bounded_in_length()
    {
        var build = Queued();
        build.Start(T0);

        build.Fail(BuildFailure.Compile, "main.go:3: undefined: fmt.Printn\n" + new string('x', 10_000), T0);

        Assert.Equal(BuildState.Failed, build.State);
        Assert.Equal(BuildFailure.Compile, build.Failure);
        Assert.StartsWith("main.go:3: undefined: fmt.Printn", build.Reason);
        Assert.Equal(Build.ReasonMaxLength, build.Reason!.Length);
    }

    [Fact]
    public void Cancelling_a_queued_build_ends_it_at_once_and_a_running_one_when_its_run_sees_the_request()
    {
        var queued = Queued();
        var running = Queued();
        running.Start(T0);

        Assert.True(queued.RequestCancel("ada@shop.example", T0.AddSeconds(1)).Succeeded);
        Assert.True(running.RequestCancel("ada@shop.example", T0.AddSeconds(1)).Succeeded);

        Assert.Equal(BuildState.Cancelled, queued.State);
        Assert.Equal("Cancelled by ada@shop.example.", queued.Reason);
        Assert.Equal(BuildState.Running, running.State);
        Assert.True(running.CancelRequested);
    }

    [Fact]
    public void An_ended_build_refuses_a_cancel_and_cannot_end_twice()
    {
        var build = Queued();
        build.Start(T0);
        build.Fail(BuildFailure.Registry, "The registry refused the push: unauthorized.", T0);

        var cancel = build.RequestCancel("ada@shop.example", T0);

        Assert.Equal(ProblemKind.Conflict, cancel.Problem!.Kind);
        Assert.Throws<InvalidOperationException>(() => build.Fail(BuildFailure.Timeout, "again", T0));
    }

    [Fact]
    public void A_run_started_again_after_a_restart_keeps_the_first_start()
    {
        var build = Queued();
        build.Start(T0);

        build.Start(T0.AddMinutes(3));

        Assert.Equal(T0, build.StartedAt);
    }

    [Fact]
    public void A_build_is_run_by_one_operation()
    {
        var build = Queued();
        var operation = Guid.NewGuid();
        build.RunBy(operation);
        build.RunBy(operation);

        Assert.Throws<InvalidOperationException>(() => build.RunBy(Guid.NewGuid()));
    }
}
