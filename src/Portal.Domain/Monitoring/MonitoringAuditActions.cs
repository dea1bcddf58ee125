namespace Portal.Domain.Monitoring;

/// <summary>
/// The actions of the audit trail about alert rules, alerts and notification channels. The values are stored, so they
/// never change.
/// </summary>
public static class MonitoringAuditActions
{
    public const string RuleCreated = "alert-rule.created";
    public const string RuleChanged = "alert-rule.changed";
    public const string RuleEnabled = "alert-rule.enabled";
    public const string RuleDisabled = "alert-rule.disabled";
    public const string RuleDeleted = "alert-rule.deleted";

    public const string AlertSilenced = "alert.silenced";
    public const string AlertUnsilenced = "alert.unsilenced";

    public const string ChannelCreated = "channel.created";
    public const string ChannelEnabled = "channel.enabled";
    public const string ChannelDisabled = "channel.disabled";
    public const string ChannelDeleted = "channel.deleted";
    public const string ChannelSecretRotated = "channel.secret-rotated";
    public const string ChannelTested = "channel.tested";
}
