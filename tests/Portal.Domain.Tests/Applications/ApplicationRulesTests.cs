using Portal.Domain.Applications;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Tests.Applications;

public sealed class ApplicationRulesTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Tenant Acme = Tenant.Create("acme", "Acme", Now).Value;

    private static string Seal(DeploymentSpec spec) => spec.Image;

    [Fact]
    public void An_application_with_a_bad_name_owner_and_spec_reports_every_problem_at_once()
    {
        var spec = Specs.Minimal() with { Image = "Nginx:Latest", Replicas = -1 };

        var created = Application.Create(Acme, "Orders_API", null, " ", spec, Seal, Now);

        Assert.False(created.Succeeded);
        var fields = created.Problem!.Causes.Select(c => c.Field).ToList();
        Assert.Contains("Name", fields);
        Assert.Contains("Owner", fields);
        Assert.Contains("Spec.Image", fields);
        Assert.Contains("Spec.Replicas", fields);
    }

    [Fact]
    public void Each_deploy_freezes_the_spec_into_the_next_numbered_revision()
    {
        var app = Application.Create(Acme, "orders-api", "Orders", "team-shop", Specs.Minimal(), Seal, Now).Value;

        var first = app.NewRevision(Specs.Minimal(), Seal, "dev", "dev@acme.test", "first", "deploy", Now).Value;
        var second = app.NewRevision(
            Specs.Full(),
            Seal,
            "prod",
            "dev@acme.test",
            null,
            "promotion of revision 1 from dev",
            Now
        ).Value;

        Assert.Equal(1, first.Number);
        Assert.Equal(2, second.Number);
        Assert.Equal(2, app.LatestRevision);
        Assert.Equal("prod", second.Environment);
        Assert.Equal(Specs.Full().Image, second.Image);
        Assert.Null(second.Note);
    }

    [Fact]
    public void A_revision_of_an_invalid_spec_is_refused_and_the_count_does_not_move()
    {
        var app = Application.Create(Acme, "orders-api", "", "team-shop", Specs.Minimal(), Seal, Now).Value;

        var refused = app.NewRevision(
            Specs.Minimal() with
            {
                Image = "",
            },
            Seal,
            "dev",
            "dev@acme.test",
            null,
            "deploy",
            Now
        );

        Assert.False(refused.Succeeded);
        Assert.Equal("Spec.Image", refused.Problem!.Field);
        Assert.Equal(0, app.LatestRevision);
    }

    [Fact]
    public void Stopping_scales_to_zero_and_starting_brings_back_the_previous_count()
    {
        var app = Application.Create(Acme, "orders-api", "", "team-shop", Specs.Minimal(), Seal, Now).Value;
        var revision = app.NewRevision(Specs.Minimal(), Seal, "dev", "dev", null, "deploy", Now).Value;
        var deployment = new AppDeployment(app, Guid.NewGuid(), Now);
        deployment.Deploy(revision, Specs.Minimal().WithReplicas(3), false, Now);
        deployment.RolledOut(Now);

        Assert.True(deployment.Stop("dev", Now).Succeeded);
        Assert.Equal(0, deployment.Replicas);
        deployment.RolledOut(Now);
        Assert.Equal(AppDeploymentState.Stopped, deployment.State);
        Assert.False(deployment.Stop("dev", Now).Succeeded);
        Assert.True(deployment.Start("dev", Now).Succeeded);
        Assert.Equal(3, deployment.Replicas);
        Assert.False(deployment.Start("dev", Now).Succeeded);
        Assert.Equal("Replicas", deployment.Scale(1001, "dev", Now).Problem!.Field);
    }

    [Fact]
    public void An_autoscaled_deployment_counts_its_ceiling_for_quota_and_refuses_scaling_by_hand()
    {
        var app = Application.Create(Acme, "orders-api", "", "team-shop", Specs.Minimal(), Seal, Now).Value;
        var first = app.NewRevision(Specs.Minimal(), Seal, "dev", "dev", null, "deploy", Now).Value;
        var autoscaled = Specs.Minimal().WithAutoscaling(new AutoscalingPolicy(2, 8, 70, null));
        var second = app.NewRevision(autoscaled, Seal, "dev", "dev", null, "deploy", Now).Value;
        var deployment = new AppDeployment(app, Guid.NewGuid(), Now);
        deployment.Deploy(first, Specs.Minimal(), false, Now);

        deployment.Deploy(second, autoscaled, true, Now);

        Assert.Equal(2, deployment.Replicas);
        Assert.Equal(8, deployment.CountedReplicas);
        Assert.Equal(1, deployment.PreviousRevision);
        Assert.Equal("conflict", deployment.Scale(4, "dev", Now).Problem!.Code);
    }
}
