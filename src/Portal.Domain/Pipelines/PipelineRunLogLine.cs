using Portal.Domain.Tenancy;

namespace Portal.Domain.Pipelines;

/// <summary>
/// A line of a run's log: what its stages did and said, numbered in order per run so that a follower asks for what
/// came after the last line it has.
/// </summary>
public sealed class PipelineRunLogLine : ITenantOwned
{
    public const int TextMaxLength = 4000;

    public long Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid RunId { get; private set; }
    public int Sequence { get; private set; }
    public string Stage { get; private set; } = "";
    public DateTime At { get; private set; }
    public string Text { get; private set; } = "";

    private PipelineRunLogLine() { }

    public PipelineRunLogLine(Guid tenantId, Guid runId, int sequence, string stage, string text, DateTime at)
    {
        TenantId = tenantId;
        RunId = runId;
        Sequence = sequence;
        Stage = stage;
        Text = text.Length <= TextMaxLength ? text : text[..(TextMaxLength - 1)] + "…";
        At = at;
    }
}

/// <summary>
/// A build or operation a run's stage started, saved with it in one transaction: when it ends, the run's job is told at
/// once, and a resumed run finds that the stage's child exists instead of starting it again.
/// </summary>
public sealed class PipelineRunChild : ITenantOwned
{
    public Guid OperationId { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid RunId { get; private set; }
    public string Stage { get; private set; } = "";

    private PipelineRunChild() { }

    public PipelineRunChild(Guid tenantId, Guid runId, string stage, Guid operationId)
    {
        TenantId = tenantId;
        RunId = runId;
        Stage = stage;
        OperationId = operationId;
    }
}
