using Portal.Domain.Operations;

namespace Portal.Infrastructure.Environments;

/// <summary>Where nobody follows operations live (a process without the web front), progress is only saved.</summary>
internal sealed class NoOperationProgress : IOperationProgress
{
    public Task ReportAsync(Operation operation, CancellationToken ct) => Task.CompletedTask;
}
