using System.Globalization;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring.Notifications;

namespace Portal.Infrastructure.Tenancy;

/// <summary>How an invitation reached the invitee, said for the admin who made it.</summary>
/// <param name="Status"><see cref="Sent"/>, <see cref="NotConfigured"/> (no mail server: only the link was made) or
/// <see cref="Failed"/>.</param>
public sealed record InvitationMail(string Status, string Message)
{
    public const string Sent = "sent";
    public const string NotConfigured = "not-configured";
    public const string Failed = "failed";

    public bool Mailed => Status == Sent;
}

/// <summary>
/// Mails an invitation's link to the invitee through the portal's SMTP server (the one e-mail alert channels use), when
/// one is configured; otherwise the admin hands the link over, and is told so.
/// </summary>
public sealed class InvitationMailer(
    ICurrentActor currentActor,
    ICurrentTenant currentTenant,
    SmtpMailer mailer,
    ILogger<InvitationMailer> logger
)
{
    public async Task<InvitationMail> SendAsync(InvitationView invitation, string link, CancellationToken ct)
    {
        var actor = currentActor.Actor;
        var tenant = currentTenant.Required;
        if (!mailer.IsConfigured)
        {
            return new(
                InvitationMail.NotConfigured,
                "No e-mail was sent: the portal has no mail server configured. Send "
                    + $"{invitation.Email} the link below yourself; it is shown once."
            );
        }

        var sent = await mailer.SendAsync(
            [invitation.Email],
            Subject(tenant),
            Body(actor, tenant, invitation, link),
            ct
        );
        if (!sent.Succeeded)
        {
            logger.LogWarning(
                "Invitation {InvitationId} to tenant {Tenant} could not be mailed: {Error}",
                invitation.Id,
                tenant.Slug,
                sent.Problem!.Message
            );
            return new(
                InvitationMail.Failed,
                $"The invitation could not be mailed ({sent.Problem!.Message}). Send "
                    + $"{invitation.Email} the link below yourself; it is shown once."
            );
        }
        logger.LogInformation("Invitation {InvitationId} to tenant {Tenant} mailed.", invitation.Id, tenant.Slug);
        return new(
            InvitationMail.Sent,
            $"Invitation mailed to {invitation.Email}. The link below is the one in the mail; it is shown once."
        );
    }

    public static string Subject(Tenant tenant) => $"You are invited to {tenant.DisplayName} on the developer portal";

    /// <summary>Who invited whom to what, the link, and when it expires.</summary>
    public static string Body(Actor actor, Tenant tenant, InvitationView invitation, string link) =>
        $"""
            {actor.Name} invited you to join {tenant.DisplayName} on the developer portal, as {invitation.Role}.

            Accept the invitation and choose your password here:
            {link}

            The link works once and expires on {invitation.ExpiresAt.ToString(
                "yyyy-MM-dd HH:mm",
                CultureInfo.InvariantCulture
            )} UTC.
            If you did not expect this invitation, ignore this mail.
            """;
}
