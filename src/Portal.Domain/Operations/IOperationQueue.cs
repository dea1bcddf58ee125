namespace Portal.Domain.Operations;

/// <summary>Hands a saved operation to the job scheduler; the job loads it by id and carries it out.</summary>
public interface IOperationQueue
{
    void Enqueue(Operation operation);
}
