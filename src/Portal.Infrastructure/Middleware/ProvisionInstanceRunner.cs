using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Middleware;

/// <summary>Provisions a middleware instance: creates its objects and waits until every replica is ready.</summary>
internal sealed class ProvisionInstanceRunner(InstanceProvisioner provisioner)
    : InstanceChangeRunner(provisioner),
        IOperationRunner
{
    public static string Kind => OperationKinds.MiddlewareProvision;
}
