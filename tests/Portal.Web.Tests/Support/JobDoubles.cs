using Portal.Domain.Operations;

namespace Portal.Web.Tests.Support;

/// <summary>Stands in for a process killed right after a step was saved (or, with no step, one that lives on).</summary>
public sealed class DiesAfterStep(string? step) : IOperationProgress
{
    public Task ReportAsync(Operation operation, CancellationToken ct) =>
        step is not null && operation.HasDone(step) ? throw new OperationCanceledException("killed") : Task.CompletedTask;
}

/// <summary>A queue that drops what it is given: for tests that run an operation's job by hand.</summary>
public sealed class NoQueue : IOperationQueue
{
    public void Enqueue(Operation operation)
    {
    }
}
