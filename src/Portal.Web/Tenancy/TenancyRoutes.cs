using Portal.Web.Common;

namespace Portal.Web.Tenancy;

/// <summary>
/// The addresses of a tenant's member and service account pages and of invitations: each template routes its actions,
/// and its <c>…Url</c> method makes links and redirects to them.
/// </summary>
public static class TenancyRoutes
{
    public const string Members = "/t/{tenant}/members";
    public const string MemberRole = "/t/{tenant}/members/{memberId:guid}/role";
    public const string RemoveMember = "/t/{tenant}/members/{memberId:guid}/remove";
    public const string RevokeInvitation = "/t/{tenant}/members/invitations/{invitationId:guid}/revoke";
    public const string ServiceAccounts = "/t/{tenant}/service-accounts";
    public const string DeleteServiceAccount = "/t/{tenant}/service-accounts/{serviceAccountId:guid}/delete";
    public const string Invitation = "/invitations/{token}";

    public static string MembersUrl(string tenant) => RouteUrl.Fill(Members, tenant);

    public static string MemberRoleUrl(string tenant, Guid memberId) => RouteUrl.Fill(MemberRole, tenant, memberId);

    public static string RemoveMemberUrl(string tenant, Guid memberId) => RouteUrl.Fill(RemoveMember, tenant, memberId);

    public static string RevokeInvitationUrl(string tenant, Guid invitationId) =>
        RouteUrl.Fill(RevokeInvitation, tenant, invitationId);

    public static string ServiceAccountsUrl(string tenant) => RouteUrl.Fill(ServiceAccounts, tenant);

    public static string DeleteServiceAccountUrl(string tenant, Guid serviceAccountId) =>
        RouteUrl.Fill(DeleteServiceAccount, tenant, serviceAccountId);

    public static string InvitationUrl(string token) => RouteUrl.Fill(Invitation, token);
}
