using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// Updates a middleware instance (a new version, size or settings): replaces its objects and waits until it is ready.
/// </summary>
internal sealed class UpdateInstanceRunner(InstanceProvisioner provisioner)
    : InstanceChangeRunner(provisioner),
        IOperationRunner
{
    public static string Kind => OperationKinds.MiddlewareUpdate;
}
