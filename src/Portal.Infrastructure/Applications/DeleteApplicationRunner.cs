using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// Deletes an application: its objects in every environment it is deployed to (in namespaces that are the environments'
/// own), then its rows.
/// </summary>
internal sealed class DeleteApplicationRunner(ApplicationDeployer deployer) : IOperationRunner
{
    public static string Kind => OperationKinds.ApplicationDelete;

    public Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct) =>
        deployer.DeleteApplicationAsync(operation, journal, ct);
}
