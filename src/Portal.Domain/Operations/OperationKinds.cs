namespace Portal.Domain.Operations;

/// <summary>
/// Every kind of <see cref="Operation"/>, as saved in its <c>Kind</c> column: one runner in Portal.Infrastructure
/// carries out each. The values are stored, so they never change.
/// </summary>
public static class OperationKinds
{
    public const string EnvironmentCreate = "environment.create";
    public const string EnvironmentUpdateQuota = "environment.update-quota";
    public const string EnvironmentDelete = "environment.delete";

    public const string TenantDelete = "tenant.delete";

    public const string ApplicationDeploy = "application.deploy";
    public const string ApplicationScale = "application.scale";
    public const string ApplicationRestart = "application.restart";
    public const string ApplicationDelete = "application.delete";

    /// <summary>Builds an image from an application's source; targets the build, "{app}/{number}".</summary>
    public const string BuildApplication = "application.build";

    /// <summary>Runs a pipeline's test command in the run's image; targets "{app}/{run number}/{stage}".</summary>
    public const string PipelineTest = "pipeline.test";

    /// <summary>
    /// Runs a run's image as the canary Deployment "{app}-canary" beside the stable one; targets
    /// "{app}/{environment}".
    /// </summary>
    public const string ApplicationCanary = "application.canary";

    /// <summary>Removes an application's canary Deployment; targets "{app}/{environment}".</summary>
    public const string ApplicationCanaryRemove = "application.canary-remove";

    /// <summary>Makes a machine for a pool and joins it as a node; targets the host, "{pool}/{host}".</summary>
    public const string HostProvision = "host.provision";

    /// <summary>
    /// Drains a provisioned host's node, deletes it and terminates the machine; targets "{pool}/{host}".
    /// </summary>
    public const string HostDecommission = "host.decommission";

    /// <summary>Cleans up what a failed provisioning made (instance, node, token); targets "{pool}/{host}".</summary>
    public const string HostAbandon = "host.abandon";

    public const string MiddlewareProvision = "middleware.provision";
    public const string MiddlewareUpdate = "middleware.update";
    public const string MiddlewareRestart = "middleware.restart";
    public const string MiddlewareDelete = "middleware.delete";

    /// <summary>The kinds of operation on a middleware instance, each targeting "{instance}/{environment}".</summary>
    public static readonly IReadOnlyList<string> OnMiddleware =
    [
        MiddlewareProvision,
        MiddlewareUpdate,
        MiddlewareRestart,
        MiddlewareDelete,
    ];
}
