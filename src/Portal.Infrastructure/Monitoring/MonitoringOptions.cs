namespace Portal.Infrastructure.Monitoring;

/// <summary>Bound from <c>Portal:Monitoring</c>.</summary>
public sealed class MonitoringOptions
{
    public const string Section = "Portal:Monitoring";

    /// <summary>
    /// How often samples are taken; the recurring job runs each minute, so this is what a sample's time is floored to.
    /// </summary>
    public int SampleSeconds { get; set; } = 60;

    /// <summary>How long raw samples are kept; charts over longer ranges read the 5-minute rollups.</summary>
    public TimeSpan RawRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long 5-minute rollups are kept.</summary>
    public TimeSpan RollupRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A condition that comes back within this time of resolving re-opens its alert instead of raising and sending a
    /// new one.
    /// </summary>
    public TimeSpan AlertCoolDown { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>
/// Tells whoever shows dashboards and alerts live (browsers, through SignalR) that new samples were taken or alerts
/// changed, for the platform and for the tenants concerned.
/// </summary>
public interface IMonitoringNotifier
{
    Task SamplesTakenAsync(long at, IReadOnlyCollection<Guid> tenantIds, CancellationToken ct);

    Task AlertsChangedAsync(IReadOnlyCollection<Guid> tenantIds, CancellationToken ct);
}

internal sealed class NoMonitoringNotifier : IMonitoringNotifier
{
    public Task SamplesTakenAsync(long at, IReadOnlyCollection<Guid> tenantIds, CancellationToken ct) =>
        Task.CompletedTask;

    public Task AlertsChangedAsync(IReadOnlyCollection<Guid> tenantIds, CancellationToken ct) => Task.CompletedTask;
}
