using Portal.Web.Common;

namespace Portal.Web.Monitoring;

/// <summary>
/// The addresses of the alert, rule and channel pages, a tenant's under <c>/t/{tenant}/alerts</c> and the platform's
/// under
/// <c>/admin/alerts</c>: each template routes its actions, and its <c>…Url</c> method makes links and redirects to the
/// tenant's page, or to the platform's (the <c>Platform…</c> template) when no tenant is given.
/// </summary>
public static class AlertRoutes
{
    public const string Alerts = "/t/{tenant}/alerts";
    public const string PlatformAlerts = "/admin/alerts";
    public const string Alert = "/t/{tenant}/alerts/{alertId:guid}";
    public const string PlatformAlert = "/admin/alerts/{alertId:guid}";
    public const string Silence = "/t/{tenant}/alerts/{alertId:guid}/silence";
    public const string PlatformSilence = "/admin/alerts/{alertId:guid}/silence";
    public const string Unsilence = "/t/{tenant}/alerts/{alertId:guid}/unsilence";
    public const string PlatformUnsilence = "/admin/alerts/{alertId:guid}/unsilence";
    public const string Chart = "/t/{tenant}/alerts/{alertId:guid}/chart";
    public const string PlatformChart = "/admin/alerts/{alertId:guid}/chart";
    public const string Rules = "/t/{tenant}/alerts/rules";
    public const string PlatformRules = "/admin/alerts/rules";
    public const string NewRule = "/t/{tenant}/alerts/rules/new";
    public const string PlatformNewRule = "/admin/alerts/rules/new";
    public const string Rule = "/t/{tenant}/alerts/rules/{ruleId:guid}";
    public const string PlatformRule = "/admin/alerts/rules/{ruleId:guid}";
    public const string EnableRule = "/t/{tenant}/alerts/rules/{ruleId:guid}/enable";
    public const string PlatformEnableRule = "/admin/alerts/rules/{ruleId:guid}/enable";
    public const string DisableRule = "/t/{tenant}/alerts/rules/{ruleId:guid}/disable";
    public const string PlatformDisableRule = "/admin/alerts/rules/{ruleId:guid}/disable";
    public const string DeleteRule = "/t/{tenant}/alerts/rules/{ruleId:guid}/delete";
    public const string PlatformDeleteRule = "/admin/alerts/rules/{ruleId:guid}/delete";
    public const string Channels = "/t/{tenant}/alerts/channels";
    public const string PlatformChannels = "/admin/alerts/channels";
    public const string Webhooks = "/t/{tenant}/alerts/channels/webhooks";
    public const string PlatformWebhooks = "/admin/alerts/channels/webhooks";
    public const string Emails = "/t/{tenant}/alerts/channels/emails";
    public const string PlatformEmails = "/admin/alerts/channels/emails";
    public const string EnableChannel = "/t/{tenant}/alerts/channels/{channelId:guid}/enable";
    public const string PlatformEnableChannel = "/admin/alerts/channels/{channelId:guid}/enable";
    public const string DisableChannel = "/t/{tenant}/alerts/channels/{channelId:guid}/disable";
    public const string PlatformDisableChannel = "/admin/alerts/channels/{channelId:guid}/disable";
    public const string DeleteChannel = "/t/{tenant}/alerts/channels/{channelId:guid}/delete";
    public const string PlatformDeleteChannel = "/admin/alerts/channels/{channelId:guid}/delete";
    public const string RotateSecret = "/t/{tenant}/alerts/channels/{channelId:guid}/rotate-secret";
    public const string PlatformRotateSecret = "/admin/alerts/channels/{channelId:guid}/rotate-secret";
    public const string TestChannel = "/t/{tenant}/alerts/channels/{channelId:guid}/test";
    public const string PlatformTestChannel = "/admin/alerts/channels/{channelId:guid}/test";

    public static string AlertsUrl(string? tenant) => tenant is null ? PlatformAlerts : RouteUrl.Fill(Alerts, tenant);

    public static string AlertUrl(string? tenant, Guid alertId) =>
        tenant is null ? RouteUrl.Fill(PlatformAlert, alertId) : RouteUrl.Fill(Alert, tenant, alertId);

    public static string SilenceUrl(string? tenant, Guid alertId) =>
        tenant is null ? RouteUrl.Fill(PlatformSilence, alertId) : RouteUrl.Fill(Silence, tenant, alertId);

    public static string UnsilenceUrl(string? tenant, Guid alertId) =>
        tenant is null ? RouteUrl.Fill(PlatformUnsilence, alertId) : RouteUrl.Fill(Unsilence, tenant, alertId);

    public static string ChartUrl(string? tenant, Guid alertId) =>
        tenant is null ? RouteUrl.Fill(PlatformChart, alertId) : RouteUrl.Fill(Chart, tenant, alertId);

    public static string RulesUrl(string? tenant) => tenant is null ? PlatformRules : RouteUrl.Fill(Rules, tenant);

    public static string NewRuleUrl(string? tenant) =>
        tenant is null ? PlatformNewRule : RouteUrl.Fill(NewRule, tenant);

    public static string RuleUrl(string? tenant, Guid ruleId) =>
        tenant is null ? RouteUrl.Fill(PlatformRule, ruleId) : RouteUrl.Fill(Rule, tenant, ruleId);

    public static string EnableRuleUrl(string? tenant, Guid ruleId) =>
        tenant is null ? RouteUrl.Fill(PlatformEnableRule, ruleId) : RouteUrl.Fill(EnableRule, tenant, ruleId);

    public static string DisableRuleUrl(string? tenant, Guid ruleId) =>
        tenant is null ? RouteUrl.Fill(PlatformDisableRule, ruleId) : RouteUrl.Fill(DisableRule, tenant, ruleId);

    public static string DeleteRuleUrl(string? tenant, Guid ruleId) =>
        tenant is null ? RouteUrl.Fill(PlatformDeleteRule, ruleId) : RouteUrl.Fill(DeleteRule, tenant, ruleId);

    public static string ChannelsUrl(string? tenant) =>
        tenant is null ? PlatformChannels : RouteUrl.Fill(Channels, tenant);

    public static string WebhooksUrl(string? tenant) =>
        tenant is null ? PlatformWebhooks : RouteUrl.Fill(Webhooks, tenant);

    public static string EmailsUrl(string? tenant) => tenant is null ? PlatformEmails : RouteUrl.Fill(Emails, tenant);

    public static string EnableChannelUrl(string? tenant, Guid channelId) =>
        tenant is null
            ? RouteUrl.Fill(PlatformEnableChannel, channelId)
            : RouteUrl.Fill(EnableChannel, tenant, channelId);

    public static string DisableChannelUrl(string? tenant, Guid channelId) =>
        tenant is null
            ? RouteUrl.Fill(PlatformDisableChannel, channelId)
            : RouteUrl.Fill(DisableChannel, tenant, channelId);

    public static string DeleteChannelUrl(string? tenant, Guid channelId) =>
        tenant is null
            ? RouteUrl.Fill(PlatformDeleteChannel, channelId)
            : RouteUrl.Fill(DeleteChannel, tenant, channelId);

    public static string RotateSecretUrl(string? tenant, Guid channelId) =>
        tenant is null
            ? RouteUrl.Fill(PlatformRotateSecret, channelId)
            : RouteUrl.Fill(RotateSecret, tenant, channelId);

    public static string TestChannelUrl(string? tenant, Guid channelId) =>
        tenant is null ? RouteUrl.Fill(PlatformTestChannel, channelId) : RouteUrl.Fill(TestChannel, tenant, channelId);
}
