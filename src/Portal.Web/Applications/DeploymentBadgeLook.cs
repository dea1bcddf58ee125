using Portal.Domain.Applications;
using Portal.Infrastructure.Applications;

namespace Portal.Web.Applications;

/// <summary>How a deployment's badge looks in the application list: its Bootstrap colour and its icon.</summary>
public static class DeploymentBadgeLook
{
    public static (string Css, string Icon) Of(DeploymentBadge badge) =>
        badge.State switch
        {
            AppDeploymentState.Running when badge.ReadyReplicas >= badge.Replicas => (
                "text-bg-success",
                "check-circle"
            ),
            AppDeploymentState.Running => ("text-bg-warning", "exclamation-triangle"),
            AppDeploymentState.Failed => ("text-bg-danger", "x-circle"),
            AppDeploymentState.Stopped => ("text-bg-secondary", "pause-circle"),
            AppDeploymentState.Removing => ("text-bg-secondary", "trash"),
            _ => ("text-bg-info", "hourglass-split"),
        };
}
