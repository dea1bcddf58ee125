namespace Portal.Domain.Operations;

/// <summary>
/// Tells whoever follows a tenant's operations (the browser, through SignalR) how one of them is going.
/// </summary>
public interface IOperationProgress
{
    Task ReportAsync(Operation operation, CancellationToken ct);
}
