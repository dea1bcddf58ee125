using Hangfire;
using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Web.Pipelines;

/// <summary>Hands runs to Hangfire: a run's job now or later, and the dispatcher, one at a time.</summary>
internal sealed class HangfireRunQueue(IBackgroundJobClient jobs) : IRunQueue
{
    public void Advance(Guid runId) => jobs.Enqueue<RunJobs>(j => j.AdvanceAsync(runId, CancellationToken.None));

    public void AdvanceAfter(Guid runId, TimeSpan delay) =>
        jobs.Schedule<RunJobs>(j => j.AdvanceAsync(runId, CancellationToken.None), delay);

    public void Dispatch() => jobs.Enqueue<RunJobs>(j => j.DispatchAsync(CancellationToken.None));
}

/// <summary>
/// The jobs of pipeline runs. The dispatcher runs alone (a lock in the job storage, shared by every replica), so that
/// two of them cannot give out the same run slot; a run's job may run beside another of the same run, which the run's
/// version check makes safe.
/// </summary>
public sealed class RunJobs(PipelineRunAdvancer advancer, RunDispatcher dispatcher, RunSweeper sweeper)
{
    [AutomaticRetry(Attempts = 3)]
    public Task AdvanceAsync(Guid runId, CancellationToken ct) => advancer.AdvanceAsync(runId, ct);

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 3)]
    public Task DispatchAsync(CancellationToken ct) => dispatcher.DispatchAsync(ct);

    [AutomaticRetry(Attempts = 0)]
    public Task SweepAsync(CancellationToken ct) => sweeper.SweepAsync(ct);
}
