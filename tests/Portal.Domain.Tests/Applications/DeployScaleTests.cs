using Portal.Domain.Applications;

namespace Portal.Domain.Tests.Applications;

public sealed class DeployScaleTests
{
    private static readonly AutoscalingPolicy TwoToTen = new(2, 10, 70, null);
    private static readonly DeploymentSpec OneReplica = Specs.Minimal().WithReplicas(1);

    [Fact]
    public void A_first_deploy_runs_the_specs_replicas()
    {
        var scaled = DeployScale.Keep.Apply(OneReplica.WithReplicas(2), null, "dev").Value;

        Assert.Equal((ScaleSource.Spec, 2), (scaled.Source, scaled.Replicas));
    }

    [Fact]
    public void A_deploy_keeps_the_replicas_the_environment_was_scaled_to()
    {
        var scaled = DeployScale.Keep.Apply(OneReplica, new EnvironmentScale(3, null, null), "dev").Value;

        Assert.Equal((ScaleSource.Kept, 3, null), (scaled.Source, scaled.Replicas, scaled.Autoscaler));
    }

    [Fact]
    public void A_deploy_keeps_the_environments_autoscaler_whatever_the_spec_says()
    {
        var scaled = DeployScale
            .Keep.Apply(
                OneReplica.WithAutoscaling(new AutoscalingPolicy(1, 3, 50, null)),
                new EnvironmentScale(4, null, TwoToTen),
                "dev"
            )
            .Value;

        Assert.Equal(TwoToTen, scaled.Autoscaler);
        Assert.Equal(4, scaled.Replicas);
    }

    [Fact]
    public void A_deploy_to_a_stopped_environment_starts_it_with_the_replicas_it_ran_before()
    {
        var scaled = DeployScale.Keep.Apply(OneReplica, new EnvironmentScale(0, 3, null), "dev").Value;

        Assert.Equal(3, scaled.Replicas);
    }

    [Fact]
    public void A_deploy_that_sets_replicas_runs_that_many()
    {
        var scaled = DeployScale.From(5).Apply(OneReplica, new EnvironmentScale(3, null, null), "dev").Value;

        Assert.Equal((ScaleSource.Set, 5), (scaled.Source, scaled.Replicas));
    }

    [Fact]
    public void Replicas_cannot_be_set_where_an_autoscaler_owns_them_nor_beyond_the_bounds()
    {
        var owned = DeployScale.To(5).Apply(OneReplica, new EnvironmentScale(3, null, TwoToTen), "prod");
        var ownedBySpec = DeployScale.To(5).Apply(OneReplica.WithAutoscaling(TwoToTen), null, "prod");
        var tooMany = DeployScale.To(DeploymentSpec.MaxReplicas + 1).Apply(OneReplica, null, "prod");

        Assert.Equal(("conflict", "Replicas"), (owned.Problem!.Code, owned.Problem.Field));
        Assert.Contains(
            "An autoscaler owns the replica count in 'prod' (2 to 10 replicas at CPU 70%)",
            owned.Problem.Message
        );
        Assert.Equal("conflict", ownedBySpec.Problem!.Code);
        Assert.Equal("Replicas", tooMany.Problem!.Field);
    }

    [Fact]
    public void An_autoscaling_change_keeps_the_replicas_within_its_bounds_and_turning_it_off_keeps_the_count()
    {
        var on = DeployScale.Autoscaled(TwoToTen).Apply(OneReplica, new EnvironmentScale(1, null, null), "dev").Value;
        var off = DeployScale
            .Autoscaled(null)
            .Apply(OneReplica.WithAutoscaling(TwoToTen), new EnvironmentScale(6, null, TwoToTen), "dev")
            .Value;

        Assert.Equal((TwoToTen, 2), (on.Autoscaler, on.Replicas));
        Assert.Equal((null, 6), (off.Autoscaler, off.Replicas));
    }

    [Fact]
    public void The_environment_records_who_set_its_scale_and_a_deploy_that_keeps_it_does_not()
    {
        var now = new DateTime(2026, 12, 6, 12, 0, 0, DateTimeKind.Utc);
        var app = Application
            .Create(
                Portal.Domain.Tenancy.Tenant.Create("acme", "Acme", now).Value,
                "shop",
                "",
                "team",
                OneReplica,
                s => s.Image,
                now
            )
            .Value;
        var deployment = new AppDeployment(app, Guid.NewGuid(), now);
        deployment.Deploy(
            app.NewRevision(OneReplica, s => s.Image, "dev", "ann", null, "deploy", now).Value,
            OneReplica,
            false,
            now
        );
        deployment.Scale(3, "bob", now.AddHours(1));

        var kept = DeployScale
            .Keep.Apply(OneReplica with { Image = "nginx:1.28" }, deployment.ScaleWith(null), "dev")
            .Value;
        deployment.Deploy(
            app.NewRevision(kept.Spec, s => s.Image, "dev", "carl", null, "deploy", now).Value,
            kept.Spec,
            false,
            now.AddHours(2)
        );

        Assert.Equal((3, "bob", now.AddHours(1)), (deployment.Replicas, deployment.ScaledBy, deployment.ScaledAt));
    }
}
