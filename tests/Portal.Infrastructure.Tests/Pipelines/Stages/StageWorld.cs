using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Portal.Domain.Audit;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Stages;
using Portal.Infrastructure.Tenancy;
using Portal.Infrastructure.Tests.Builds;

namespace Portal.Infrastructure.Tests.Pipelines.Stages;

/// <summary>
/// A tenant's application with a pipeline of a build and one stage after it, and a run of it whose build passed (or
/// not, without an image) taken up at that stage, on a fresh database:
/// the stage's executor is called as the run's job calls it (a scope bound to the run's tenant and actor), and the
/// operations it queues are run as their jobs run them.
/// </summary>
public sealed class StageWorld : IAsyncDisposable
{
    private readonly SourcesWorld _world;
    private readonly PipelineStage _stage;

    private StageWorld(SourcesWorld world, PipelineStage stage, Tenant tenant, Guid runId)
    {
        _world = world;
        _stage = stage;
        Tenant = tenant;
        RunId = runId;
    }

    public Tenant Tenant { get; }
    public Guid RunId { get; }
    public List<Domain.Operations.Operation> Queued => _world.Queued;

    /// <param name="configure">Adds or replaces services, such as the registry or the build storage.</param>
    public static async Task<StageWorld> CreateAsync(
        PipelineStage stage,
        string? image,
        Action<IServiceCollection>? configure = null,
        IReadOnlyDictionary<string, string?>? settings = null
    )
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var world = await SourcesWorld.CreateAsync(DatabaseKind.Sqlite, services =>
        {
            // The portal registers the stages; the test's settings of them apply on top of its own.
            services.Configure<PipelineStageOptions>(configuration.GetSection(PipelineStageOptions.Section));
            services.TryAddSingleton<IRunProgress, SilentRunProgress>();
            services.TryAddSingleton<IRunQueue, IdleRunQueue>();
            services.AddSingleton<IPipelinePageLinks, TestLinks>();
            configure?.Invoke(services);
        });
        var tenant = await world.AddTenantWithAppAsync("acme");
        var runId = await world.ReadAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var app = await db.Applications.IgnoreQueryFilters().SingleAsync();
            var definition = PipelineDefinition
                .Create([new BuildImageStage("build"), stage], PipelineTriggers.None, false, _ => null)
                .Value;
            var yaml = PipelineYaml.Write(definition);
            var pipeline = Pipeline
                .Create(tenant.Id, app.Id, "ci", yaml, definition, "sealed", "dev@example.com", now)
                .Value;
            var run = PipelineRun.Queue(
                tenant.Id,
                pipeline.Id,
                app.Id,
                0,
                yaml,
                definition,
                new RunTrigger(TriggerKind.Manual, "main", null, "dev@example.com"),
                now
            );
            run.Admit(now);
            run.StageStarted("build", now.AddMinutes(30), now);
            if (image is not null)
                run.Built(1, new string('a', 40), image, now);
            run.StageSucceeded("build", image, now);
            run.StageStarted(stage.Name, now + stage.Timeout, now);
            db.Pipelines.Add(pipeline);
            db.PipelineRuns.Add(run);
            await db.SaveChangesAsync();
            return run.Id;
        });
        return new StageWorld(world, stage, tenant, runId);
    }

    /// <summary>Calls the stage's executor once, as the run's job does, and answers what it said.</summary>
    public async Task<StageStatus> AdvanceAsync<TExecutor>()
        where TExecutor : IStageExecutor
    {
        StageStatus? status = null;
        await InStageAsync<TExecutor>(
            async (executor, context) => status = await executor.AdvanceAsync(context, default)
        );
        return status!;
    }

    /// <summary>Calls the stage's executor as the run's job does when the run stops waiting for the stage.</summary>
    public Task CancelAsync<TExecutor>()
        where TExecutor : IStageExecutor =>
        InStageAsync<TExecutor>((executor, context) => executor.CancelAsync(context, default));

    /// <summary>Runs <paramref name="work"/> with the stage context in a scope of the run's tenant and actor.</summary>
    public async Task InStageAsync<TService>(Func<TService, StageContext, Task> work)
        where TService : notnull
    {
        await _world.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<PortalDbContext>();
            services.GetRequiredService<TenantScope>().Bind(await db.Tenants.SingleAsync(t => t.Id == Tenant.Id));
            services.GetRequiredService<CurrentActor>().ActAs(new Actor(null, "pipeline ci", null));
            var run = await db.PipelineRuns.AsNoTracking().SingleAsync(r => r.Id == RunId);
            var app = await db.Applications.AsNoTracking().SingleAsync(a => a.Id == run.ApplicationId);
            var log = new RunLog(
                services.GetRequiredService<IServiceScopeFactory>(),
                services.GetRequiredService<IRunProgress>(),
                TimeProvider.System,
                run
            );
            var context = new StageContext(run, run.Stage(_stage.Name)!, _stage, app, "ci", log);
            await work(services.GetRequiredService<TService>(), context);
        });
    }

    /// <summary>Runs the operations queued so far that have not run yet, each as its job runs it.</summary>
    public async Task RunQueuedAsync()
    {
        foreach (var operation in Queued.ToList())
        {
            var finished = await _world.ReadAsync(db =>
                db.Operations.IgnoreQueryFilters().AnyAsync(o => o.Id == operation.Id && o.FinishedAt != null)
            );
            if (!finished)
                await _world.AsJobAsync<OperationJob, bool>(async job =>
                {
                    await job.RunAsync(operation.Id, default);
                    return true;
                });
        }
    }

    public Task<Domain.Operations.Operation> OperationAsync(Guid id) =>
        _world.ReadAsync(db => db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id));

    public Task<RunStage> StageAsync() =>
        _world.ReadAsync(async db =>
            (await db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == RunId)).Stage(
                _stage.Name
            )!
        );

    public Task<List<string>> LogAsync() =>
        _world.ReadAsync(db =>
            db.PipelineRunLogLines.IgnoreQueryFilters()
                .Where(l => l.RunId == RunId)
                .OrderBy(l => l.Sequence)
                .Select(l => l.Text)
                .ToListAsync()
        );

    public Task<T> ReadAsync<T>(Func<PortalDbContext, Task<T>> read) => _world.ReadAsync(read);

    public ValueTask DisposeAsync() => _world.DisposeAsync();

    /// <summary>The run's job is the test's to call: told that a child ended, the queue does nothing.</summary>
    private sealed class IdleRunQueue : IRunQueue
    {
        public void Advance(Guid runId) { }

        public void AdvanceAfter(Guid runId, TimeSpan delay) { }

        public void Dispatch() { }
    }

    private sealed class SilentRunProgress : IRunProgress
    {
        public Task RunChangedAsync(PipelineRun run, CancellationToken ct) => Task.CompletedTask;

        public Task LogWrittenAsync(PipelineRun run, IReadOnlyList<PipelineRunLogLine> lines, CancellationToken ct) =>
            Task.CompletedTask;
    }

    public sealed class TestLinks : IPipelinePageLinks
    {
        public string RunUrl(string tenant, string app, string pipeline, int run) =>
            $"https://portal.test/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run}";
    }
}
