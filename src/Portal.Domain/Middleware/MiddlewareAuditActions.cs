namespace Portal.Domain.Middleware;

/// <summary>
/// The actions of the audit trail about middleware: instances, their bindings, and the catalog of templates. The values
/// are stored, so they never change.
/// </summary>
public static class MiddlewareAuditActions
{
    public const string Provisioned = "middleware.provisioned";
    public const string Scaled = "middleware.scaled";
    public const string PlanChanged = "middleware.plan-changed";
    public const string Upgraded = "middleware.upgraded";
    public const string Restarted = "middleware.restarted";
    public const string Deleted = "middleware.deleted";
    public const string CredentialsRevealed = "middleware.credentials-revealed";
    public const string Bound = "middleware.bound";
    public const string Unbound = "middleware.unbound";

    public const string TemplateCreated = "middleware-template.created";
    public const string TemplateDetailsChanged = "middleware-template.details-changed";
    public const string TemplateHidden = "middleware-template.hidden";
    public const string TemplateShown = "middleware-template.shown";
    public const string TemplateVersionAdded = "middleware-template.version-added";
    public const string TemplateVersionHidden = "middleware-template.version-hidden";
    public const string TemplateVersionShown = "middleware-template.version-shown";
    public const string TemplatePlanAdded = "middleware-template.plan-added";
    public const string TemplatePlanHidden = "middleware-template.plan-hidden";
    public const string TemplatePlanShown = "middleware-template.plan-shown";
}
