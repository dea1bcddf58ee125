using Hangfire;
using Portal.Domain.Operations;
using Portal.Infrastructure.Environments;

namespace Portal.Web.Environments;

/// <summary>Hands operations to Hangfire: each kind of operation has the job that carries it out.</summary>
internal sealed class HangfireOperationQueue(IBackgroundJobClient jobs) : IOperationQueue
{
    public void Enqueue(Operation operation)
    {
        var id = operation.Id;
        switch (operation.Kind)
        {
            case "environment.create" or "environment.update-quota" or "environment.delete":
                jobs.Enqueue<EnvironmentProvisioner>(job => job.RunAsync(id, CancellationToken.None));
                break;
            case Infrastructure.Tenancy.TenantDeletion.Kind:
                jobs.Enqueue<Infrastructure.Tenancy.TenantDeletion>(job => job.RunAsync(id, CancellationToken.None));
                break;
            case var kind when Infrastructure.Applications.ApplicationOperations.All.Contains(kind):
                jobs.Enqueue<Infrastructure.Applications.ApplicationDeployer>(job => job.RunAsync(id, CancellationToken.None));
                break;
            case var kind when Infrastructure.Middleware.MiddlewareOperations.All.Contains(kind):
                jobs.Enqueue<Infrastructure.Middleware.InstanceProvisioner>(job => job.RunAsync(id, CancellationToken.None));
                break;
            default:
                throw new InvalidOperationException($"No job carries out operations of kind '{operation.Kind}'.");
        }
    }
}
