using Portal.Domain.Tenancy;

namespace Portal.Domain.Tests.Tenancy;

public sealed class TenantSlugTests
{
    [Theory]
    [InlineData("team-a")]
    [InlineData("ab")]
    [InlineData("a1-b2-c3")]
    public void A_dns_label_is_a_valid_slug(string slug) => Assert.True(TenantSlug.Create(slug).Succeeded);

    [Theory]
    [InlineData("", "required")]
    [InlineData("a", "2 to 30")]
    [InlineData("Team-A", "lowercase")]
    [InlineData("1team", "starts with a letter")]
    [InlineData("team-", "ends with a letter or digit")]
    [InlineData("team_a", "lowercase")]
    [InlineData("team--a", "two '-'")]
    [InlineData("abcdefghijklmnopqrstuvwxyzabcde", "2 to 30")]
    public void A_malformed_slug_is_refused_with_a_reason(string slug, string reason)
    {
        var result = TenantSlug.Create(slug);

        Assert.False(result.Succeeded);
        Assert.Equal("Slug", result.Problem!.Field);
        Assert.Contains(reason, result.Problem.Message, StringComparison.OrdinalIgnoreCase);
    }
}

public sealed class TenantTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_new_tenant_is_active()
    {
        var tenant = Tenant.Create("acme", "  Acme Corp ", Now).Value;

        Assert.Equal(TenantStatus.Active, tenant.Status);
        Assert.Equal("Acme Corp", tenant.DisplayName);
        Assert.False(tenant.IsReadOnly);
    }

    [Fact]
    public void An_overlong_display_name_is_refused()
    {
        var result = Tenant.Create("acme", new string('x', 101), Now);

        Assert.False(result.Succeeded);
        Assert.Equal("DisplayName", result.Problem!.Field);
        Assert.Contains("at most 100", result.Problem.Message);
    }

    [Fact]
    public void A_suspended_tenant_is_read_only_until_resumed()
    {
        var tenant = Tenant.Create("acme", "Acme", Now).Value;

        Assert.True(tenant.Suspend().Succeeded);
        Assert.True(tenant.IsReadOnly);
        Assert.False(tenant.Suspend().Succeeded);
        Assert.True(tenant.Resume().Succeeded);
        Assert.False(tenant.IsReadOnly);
    }

    [Fact]
    public void Renaming_to_a_blank_name_is_refused_and_keeps_the_old_name()
    {
        var tenant = Tenant.Create("acme", "Acme", Now).Value;

        Assert.False(tenant.Rename("   ").Succeeded);
        Assert.Equal("Acme", tenant.DisplayName);
    }
}

public sealed class TenantRoleTests
{
    [Theory]
    [InlineData("tenantadmin", TenantRole.TenantAdmin)]
    [InlineData("Developer", TenantRole.Developer)]
    [InlineData(" viewer ", TenantRole.Viewer)]
    public void Roles_parse_by_name(string input, TenantRole expected) =>
        Assert.Equal(expected, TenantRoles.Parse(input).Value);

    [Fact]
    public void An_unknown_role_is_refused_with_the_choices()
    {
        var result = TenantRoles.Parse("Owner");

        Assert.False(result.Succeeded);
        Assert.Contains("TenantAdmin, Developer, Viewer", result.Problem!.Message);
    }

    [Fact]
    public void Each_role_allows_what_the_roles_below_it_allow()
    {
        Assert.True(TenantRole.TenantAdmin.Allows(TenantRole.Developer));
        Assert.True(TenantRole.Developer.Allows(TenantRole.Viewer));
        Assert.False(TenantRole.Viewer.Allows(TenantRole.Developer));
        Assert.False(TenantRole.Developer.Allows(TenantRole.TenantAdmin));
    }
}

public sealed class MemberRosterTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_last_tenant_admin_can_neither_be_demoted_nor_removed()
    {
        var admin = new TenantMembership(Guid.NewGuid(), Guid.NewGuid(), TenantRole.TenantAdmin, Now);

        Assert.False(MemberRoster.CanChangeRole(admin, TenantRole.Viewer, adminCount: 1).Succeeded);
        Assert.False(MemberRoster.CanRemove(admin, adminCount: 1).Succeeded);
    }

    [Fact]
    public void A_tenant_admin_with_another_admin_beside_them_can_step_down()
    {
        var admin = new TenantMembership(Guid.NewGuid(), Guid.NewGuid(), TenantRole.TenantAdmin, Now);

        Assert.True(MemberRoster.CanChangeRole(admin, TenantRole.Developer, adminCount: 2).Succeeded);
        Assert.True(MemberRoster.CanRemove(admin, adminCount: 2).Succeeded);
    }
}

public sealed class InvitationTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void An_invitation_can_be_accepted_once()
    {
        var invitation = new Invitation(
            Guid.NewGuid(),
            "dev@acme.test",
            TenantRole.Developer,
            "hash",
            Guid.NewGuid(),
            Now
        );

        Assert.True(invitation.Accept(Now.AddHours(1)).Succeeded);
        Assert.False(invitation.Accept(Now.AddHours(2)).Succeeded);
    }

    [Fact]
    public void An_expired_invitation_is_refused()
    {
        var invitation = new Invitation(
            Guid.NewGuid(),
            "dev@acme.test",
            TenantRole.Developer,
            "hash",
            Guid.NewGuid(),
            Now
        );

        var result = invitation.Accept(Now + Invitation.Lifetime);

        Assert.False(result.Succeeded);
        Assert.Contains("expired", result.Problem!.Message);
    }
}

public sealed class EmailAddressTests
{
    [Fact]
    public void Addresses_are_normalized_to_lower_case() =>
        Assert.Equal("dev@acme.test", EmailAddress.Create(" Dev@Acme.TEST ").Value);

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("a@b")]
    [InlineData("two words@acme.test")]
    public void Malformed_addresses_are_refused(string input) => Assert.False(EmailAddress.Create(input).Succeeded);
}
