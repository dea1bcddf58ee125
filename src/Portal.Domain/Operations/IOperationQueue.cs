namespace Portal.Domain.Operations;

/// <summary>Hands a saved operation to the job scheduler; the job loads it by id and carries it out.</summary>
public interface IOperationQueue
{
    /// <summary>Queues the operation's job and notes the job's id on the operation.</summary>
    void Enqueue(Operation operation);

    /// <summary>
    /// Whether the scheduler still holds the job: waiting for a worker, scheduled, or running. False when it ended, was
    /// deleted, or is unknown (a scheduler that kept its jobs in memory forgot them when its process stopped).
    /// </summary>
    bool Holds(string jobId);

    /// <summary>
    /// Schedules the next look of an operation that waits (a rollout), in place of the look scheduled before if that
    /// has not started, and notes its job's id on the operation: one look goes on at a time however often it is woken.
    /// </summary>
    void LookAgainAfter(Guid operationId, TimeSpan delay);

    /// <summary>
    /// Queues a look at a waiting operation now, because what it waits for may have changed; its scheduled look stays.
    /// </summary>
    void Wake(Guid operationId);
}
