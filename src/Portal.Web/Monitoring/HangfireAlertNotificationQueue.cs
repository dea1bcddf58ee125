using Hangfire;
using Portal.Infrastructure.Monitoring;

namespace Portal.Web.Monitoring;

/// <summary>
/// Each alert's notifications are a job of their own, so that a slow webhook's retries never hold up the evaluation.
/// </summary>
internal sealed class HangfireAlertNotificationQueue(IBackgroundJobClient jobs) : IAlertNotificationQueue
{
    public void Enqueue(Guid alertId) =>
        jobs.Enqueue<AlertNotifications>(job => job.DeliverAsync(alertId, CancellationToken.None));
}
