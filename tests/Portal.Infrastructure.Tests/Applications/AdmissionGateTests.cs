using Portal.Infrastructure.Applications;

namespace Portal.Infrastructure.Tests.Applications;

/// <summary>
/// The in-process queue of admissions per scope: one at a time in a scope, and nothing kept for a scope no longer busy.
/// </summary>
public sealed class AdmissionGateTests
{
    [Fact]
    public async Task A_scope_is_forgotten_once_its_last_admission_leaves()
    {
        var gate = new AdmissionGate();

        for (var i = 0; i < 100; i++)
        {
            using var entered = await gate.EnterAsync(Guid.NewGuid(), default);
            Assert.Equal(1, gate.Open);
        }

        Assert.Equal(0, gate.Open);
    }

    [Fact]
    public async Task Admissions_into_one_scope_wait_for_each_other_and_another_scope_does_not_wait()
    {
        var gate = new AdmissionGate();
        var scope = Guid.NewGuid();
        var first = await gate.EnterAsync(scope, default);

        var second = gate.EnterAsync(scope, default);
        using var elsewhere = await gate.EnterAsync(Guid.NewGuid(), default).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        elsewhere.Dispose();

        Assert.Equal(0, gate.Open);
    }

    [Fact]
    public async Task A_wait_given_up_leaves_nothing_behind()
    {
        var gate = new AdmissionGate();
        var scope = Guid.NewGuid();
        var first = await gate.EnterAsync(scope, default);
        using var giveUp = new CancellationTokenSource();

        var waiting = gate.EnterAsync(scope, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        first.Dispose();
        first.Dispose();

        Assert.Equal(0, gate.Open);
        (await gate.EnterAsync(scope, default).WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
    }
}
