using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Operations;
using Portal.Infrastructure.Operations;

namespace Portal.Infrastructure.Tests.Operations;

public sealed class OperationRunnersTests
{
    [Fact]
    public void Every_kind_of_operation_has_a_runner_in_the_portals_services()
    {
        var services = new ServiceCollection().AddPortalInfrastructure(
            new ConfigurationBuilder().Build(),
            Path.GetTempPath()
        );
        var runners = services.Select(d => d.ImplementationInstance).OfType<OperationRunners>().Single();

        var kinds = typeof(OperationKinds)
            .GetFields()
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

        Assert.Equal(19, kinds.Count);
        Assert.All(kinds, kind => Assert.True(runners.Knows(kind), $"No runner carries out '{kind}'."));
        Assert.False(runners.Knows("build.run"));
    }

    [Fact]
    public void A_kind_registered_twice_fails_when_the_services_are_composed()
    {
        var services = new ServiceCollection().AddOperationRunner<Builds>();

        var twice = Assert.Throws<InvalidOperationException>(() => services.AddOperationRunner<OtherBuilds>());

        Assert.Contains("'build.run'", twice.Message);
    }

    [Fact]
    public void The_runner_of_a_kind_is_found_by_its_kind_in_the_jobs_scope()
    {
        using var provider = new ServiceCollection().AddOperationRunner<Builds>().BuildServiceProvider();
        using var scope = provider.CreateScope();

        var runner = provider.GetRequiredService<OperationRunners>().For("build.run", scope.ServiceProvider);

        Assert.IsType<Builds>(runner);
    }

    private sealed class Builds : IOperationRunner
    {
        public static string Kind => "build.run";

        public Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct) =>
            Task.CompletedTask;
    }

    private sealed class OtherBuilds : IOperationRunner
    {
        public static string Kind => "build.run";

        public Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct) =>
            Task.CompletedTask;
    }
}
