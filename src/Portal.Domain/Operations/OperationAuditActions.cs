namespace Portal.Domain.Operations;

/// <summary>
/// The actions of the audit trail about operations themselves. The values are stored, so they never change.
/// </summary>
public static class OperationAuditActions
{
    public const string Retried = "operation.retried";
}
