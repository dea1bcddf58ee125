using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Operations;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Tests.Support;

/// <summary>
/// Stands in for a process stopped right after a step was saved (or, with no step, one that lives on): the job's
/// cancellation token is cancelled, as when the host stops, so the job ends without finishing and lets its operation
/// go.
/// </summary>
public sealed class DiesAfterStep(string? step) : IOperationProgress, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The token to run the job with.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public Task ReportAsync(Operation operation, CancellationToken ct)
    {
        if (step is null || !operation.HasDone(step))
            return Task.CompletedTask;
        _stopping.Cancel();
        throw new OperationCanceledException("killed", _stopping.Token);
    }

    public void Dispose() => _stopping.Dispose();
}

/// <summary>A queue that drops what it is given: for tests that run an operation's job by hand.</summary>
public sealed class NoQueue : IOperationQueue
{
    public void Enqueue(Operation operation) { }

    public bool Holds(string jobId) => false;

    public void LookAgainAfter(Guid operationId, TimeSpan delay) { }

    public void Wake(Guid operationId) { }
}

/// <summary>Operation jobs built by hand: with a progress double, and the operation settings a test chooses.</summary>
public static class JobsByHand
{
    public static OperationSupervisor Runner(IServiceProvider services, OperationOptions? options = null) =>
        options is null
            ? services.GetRequiredService<OperationSupervisor>()
            : new OperationSupervisor(
                services.GetRequiredService<IServiceScopeFactory>(),
                Options.Create(options),
                TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<OperationSupervisor>.Instance
            );

    /// <summary>
    /// The job of every operation, as Hangfire runs it, with the progress double and the runner a test chooses.
    /// </summary>
    public static OperationJob Job(
        IServiceProvider services,
        IOperationProgress progress,
        OperationSupervisor? runner = null
    ) =>
        new(
            services,
            services.GetRequiredService<PortalDbContext>(),
            progress,
            runner ?? Runner(services),
            services.GetRequiredService<OperationRunners>(),
            services.GetServices<IOperationEndObserver>()
        );

    public static OperationJob Environments(
        IServiceProvider services,
        IOperationProgress progress,
        OperationSupervisor? runner = null
    ) => Job(services, progress, runner);

    /// <summary>
    /// The job of operations on applications, whose runners follow rollouts with the settings a test chooses; run
    /// again,
    /// as its scheduled looks would run it, while the operation waits for its rollout.
    /// </summary>
    public static JobToItsEnd Deployer(
        IServiceProvider services,
        IOperationProgress progress,
        ApplicationOptions? options = null,
        OperationSupervisor? runner = null
    ) => new(services, DeployerJob(services, progress, options, runner));

    private static OperationJob DeployerJob(
        IServiceProvider services,
        IOperationProgress progress,
        ApplicationOptions? options,
        OperationSupervisor? runner
    )
    {
        if (options is null)
            return Job(services, progress, runner);
        var deployer = new ApplicationDeployer(
            services.GetRequiredService<PortalDbContext>(),
            services.GetRequiredService<KubernetesClients>(),
            services.GetRequiredService<SpecVault>(),
            services.GetRequiredService<IWorkloadChangeNotifier>(),
            Options.Create(options),
            services.GetRequiredService<RegistryConnection>(),
            services.GetRequiredService<RolloutTroubles>(),
            services.GetRequiredService<TimeProvider>()
        );
        var runners = new WithInstances(
            services,
            new DeployApplicationRunner(deployer, services.GetRequiredService<IngressClaims>()),
            new ScaleApplicationRunner(deployer),
            new RestartApplicationRunner(deployer),
            new DeleteApplicationRunner(deployer)
        );
        return Job(runners, progress, runner);
    }

    /// <summary>
    /// Services that answer with the given instances for their types, and with the container's otherwise.
    /// </summary>
    private sealed class WithInstances(IServiceProvider inner, params object[] instances) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            instances.FirstOrDefault(serviceType.IsInstanceOfType) ?? inner.GetService(serviceType);
    }

    /// <summary>The token a job runs with: the one a <see cref="DiesAfterStep"/> cancels, or none.</summary>
    public static CancellationToken Token(IOperationProgress progress) =>
        progress is DiesAfterStep dies ? dies.Stopping : default;
}

/// <summary>
/// An operation's job, run by hand and run again while the operation waits for its rollout, as its scheduled looks
/// would run it (those are queued too, and find the operation taken or ended).
/// </summary>
public sealed class JobToItsEnd(IServiceProvider services, OperationJob job)
{
    private static readonly TimeSpan LookEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan GivenUpAfter = TimeSpan.FromMinutes(2);

    public async Task RunAsync(Guid operationId, CancellationToken ct)
    {
        var until = DateTime.UtcNow + GivenUpAfter;
        while (true)
        {
            await job.RunAsync(operationId, ct);
            var db = services.GetRequiredService<PortalDbContext>();
            db.ChangeTracker.Clear();
            var operation = await db
                .Operations.IgnoreQueryFilters()
                .AsNoTracking()
                .FirstOrDefaultAsync(o => o.Id == operationId, ct);
            if (operation is null || !operation.IsWaiting || DateTime.UtcNow > until)
                return;
            await Task.Delay(LookEvery, ct);
        }
    }
}

/// <summary>
/// Does something once, from outside the job, when a step of the operation begins: what another user or job would do
/// meanwhile.
/// </summary>
public sealed class MeanwhileAtStep(string step, Func<Task> meanwhile) : IOperationProgress
{
    private int _done;

    public async Task ReportAsync(Operation operation, CancellationToken ct)
    {
        if (operation.Steps.Any(s => s.Name == step && s.FinishedAt is null) && Interlocked.Exchange(ref _done, 1) == 0)
            await meanwhile();
    }
}

/// <summary>
/// Records which run of a job began which step; each run waits at its first report for the other runs to arrive (a
/// while at most), so that runs started together really overlap.
/// </summary>
public sealed class RunsTogether(int runs)
{
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<(int Run, string Step)> _begun = [];
    private readonly int _runs = runs;
    private int _arrived;

    public IReadOnlyList<(int Run, string Step)> Begun
    {
        get
        {
            lock (_begun)
                return _begun.ToList();
        }
    }

    public IOperationProgress Run(int run) => new Progress(this, run);

    private sealed class Progress(RunsTogether together, int run) : IOperationProgress
    {
        private bool _arrived;

        public async Task ReportAsync(Operation operation, CancellationToken ct)
        {
            if (!_arrived)
            {
                _arrived = true;
                if (Interlocked.Increment(ref together._arrived) == together._runs)
                    together._allArrived.TrySetResult();
                await Task.WhenAny(together._allArrived.Task, Task.Delay(TimeSpan.FromSeconds(3), ct));
            }
            lock (together._begun)
            {
                foreach (
                    var step in operation.Steps.Where(s =>
                        s.FinishedAt is null && !together._begun.Contains((run, s.Name))
                    )
                )
                    together._begun.Add((run, step.Name));
            }
        }
    }
}

/// <summary>
/// Scopes whose unit of work refuses to save an operation as failed, as a database that fails just then: with these,
/// the usual recording of a job's failure throws, which is what a job's last resort is for.
/// </summary>
public sealed class ScopesThatCannotSaveFailures(IServiceScopeFactory inner) : IServiceScopeFactory
{
    public IServiceScope CreateScope() => new Scope(inner.CreateScope());

    private sealed class Scope(IServiceScope inner) : IServiceScope, IServiceProvider
    {
        private PortalDbContext? _db;

        public IServiceProvider ServiceProvider => this;

        public object? GetService(Type serviceType) =>
            serviceType != typeof(PortalDbContext)
                ? inner.ServiceProvider.GetService(serviceType)
                : _db ??= new PortalDbContext(
                    new Microsoft.EntityFrameworkCore.DbContextOptionsBuilder<PortalDbContext>(
                        inner.ServiceProvider.GetRequiredService<DbContextOptions<PortalDbContext>>()
                    )
                        .AddInterceptors(new RefusesFailures())
                        .Options,
                    inner.ServiceProvider.GetRequiredService<Infrastructure.Tenancy.TenantScope>()
                );

        public void Dispose()
        {
            _db?.Dispose();
            inner.Dispose();
        }
    }

    private sealed class RefusesFailures : Microsoft.EntityFrameworkCore.Diagnostics.SaveChangesInterceptor
    {
        public override ValueTask<Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int>> SavingChangesAsync(
            Microsoft.EntityFrameworkCore.Diagnostics.DbContextEventData eventData,
            Microsoft.EntityFrameworkCore.Diagnostics.InterceptionResult<int> result,
            CancellationToken cancellationToken = default
        ) =>
            eventData.Context!.ChangeTracker.Entries<Operation>().Any(e => e.Entity.State == OperationState.Failed)
                ? throw new InvalidOperationException(
                    "The database did not answer (a test double refusing to save failures)."
                )
                : base.SavingChangesAsync(eventData, result, cancellationToken);
    }
}
