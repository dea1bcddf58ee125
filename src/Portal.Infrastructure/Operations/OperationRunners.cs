using Microsoft.Extensions.DependencyInjection;

namespace Portal.Infrastructure.Operations;

/// <summary>
/// The runner of each kind of operation, known from the registrations: a kind registered twice fails when the services
/// are composed, that is at start, and a kind with no runner is refused when its operation is queued.
/// </summary>
public sealed class OperationRunners
{
    private readonly Dictionary<string, Type> _byKind = new(StringComparer.Ordinal);

    public bool Knows(string kind) => _byKind.ContainsKey(kind);

    /// <summary>The runner of <paramref name="kind"/>, made in the job's scope.</summary>
    public IOperationRunner For(string kind, IServiceProvider services) =>
        _byKind.TryGetValue(kind, out var type)
            ? (IOperationRunner)services.GetRequiredService(type)
            : throw new InvalidOperationException($"No runner carries out operations of kind '{kind}'.");

    internal void Add(string kind, Type runner)
    {
        if (!_byKind.TryAdd(kind, runner))
        {
            throw new InvalidOperationException(
                $"Two runners carry out operations of kind '{kind}': {_byKind[kind].Name} and {runner.Name}."
            );
        }
    }
}

/// <summary>How a runner of one kind of operation is registered.</summary>
public static class OperationRunnerServices
{
    /// <summary>Registers the runner of one kind of operation.</summary>
    public static IServiceCollection AddOperationRunner<TRunner>(this IServiceCollection services)
        where TRunner : class, IOperationRunner
    {
        var runners = services
            .Where(d => d.ServiceType == typeof(OperationRunners))
            .Select(d => d.ImplementationInstance)
            .OfType<OperationRunners>()
            .FirstOrDefault()
            ?? Registered(services);
        runners.Add(TRunner.Kind, typeof(TRunner));
        return services.AddScoped<TRunner>();
    }

    private static OperationRunners Registered(IServiceCollection services)
    {
        var runners = new OperationRunners();
        services.AddSingleton(runners);
        return runners;
    }
}
