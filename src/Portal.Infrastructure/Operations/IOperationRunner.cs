using Portal.Domain.Operations;
using Portal.Infrastructure.Clusters;

namespace Portal.Infrastructure.Operations;

/// <summary>
/// Carries out one kind of operation: one small class per kind in <see cref="OperationKinds"/>, registered with
/// <see cref="OperationRunnerServices.AddOperationRunner{TRunner}"/> and found by its kind when the operation's job
/// runs (<see cref="OperationJob"/>). The <see cref="OperationSupervisor"/> claims the operation, saves its end and
/// handles failures around it.
/// </summary>
public interface IOperationRunner
{
    /// <summary>The kind of operation this runner carries out, one of <see cref="OperationKinds"/>.</summary>
    static abstract string Kind { get; }

    /// <summary>
    /// Carries out the operation in the job's unit of work, which is saved when it returns. Each step goes through the
    /// <paramref name="journal"/>, which skips a step an earlier run finished: the job can run twice.
    /// </summary>
    Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct);

    /// <summary>The failure in words a user can act on.</summary>
    string Explain(Exception failure) => ClusterProblems.Explain(failure);

    /// <summary>
    /// Runs once the failure is saved on the operation, in a unit of work of its own (the failure's services are a
    /// fresh scope): records the failure on the target and does what follows from it, such as an automatic rollback.
    /// Returns what to add to the operation's error, if anything.
    /// </summary>
    Task<string?> AfterFailureAsync(OperationFailure failure, CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>
    /// Runs after every run of the job, whether it did the work or found the operation ended or held by another run.
    /// </summary>
    Task AfterRunAsync(Guid operationId, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>
/// An operation saved as failed, what made it fail, and the services of a fresh unit of work to act on it in.
/// </summary>
public sealed record OperationFailure(Operation Operation, Exception Exception, IServiceProvider Services);
