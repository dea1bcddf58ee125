using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Pipelines.Runs;

/// <summary>
/// Writes a run's log: each line is saved at once, in a unit of work of its own (a stage's own may fail and roll back,
/// its words must stay), numbered after the last, and told to the run's followers.
/// </summary>
public sealed class RunLog(IServiceScopeFactory scopes, IRunProgress progress, TimeProvider clock, PipelineRun run)
{
    public async Task WriteAsync(string stage, string text, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        for (var attempt = 0; ; attempt++)
        {
            var last = await db
                .PipelineRunLogLines.IgnoreQueryFilters()
                .Where(l => l.RunId == run.Id)
                .MaxAsync(l => (int?)l.Sequence, ct)
                ?? 0;
            var line = new PipelineRunLogLine(
                run.TenantId,
                run.Id,
                last + 1,
                stage,
                text,
                clock.GetUtcNow().UtcDateTime
            );
            db.PipelineRunLogLines.Add(line);
            if (await db.TrySaveUniqueAsync(ct))
            {
                await progress.LogWrittenAsync(run, [line], ct);
                return;
            }
            db.ChangeTracker.Clear();
            if (attempt == 5)
                return;
        }
    }
}

/// <summary>How an executor of each kind of stage is registered and found.</summary>
public static class StageExecutorServices
{
    public static IServiceCollection AddStageExecutor<TExecutor>(this IServiceCollection services)
        where TExecutor : class, IStageExecutor
    {
        services.AddScoped<TExecutor>();
        return services.AddSingleton(new StageExecutorRegistration(TExecutor.Kind, typeof(TExecutor)));
    }
}

/// <summary>That <see cref="Executor"/> carries out stages of kind <see cref="Kind"/>.</summary>
public sealed record StageExecutorRegistration(StageKind Kind, Type Executor);
