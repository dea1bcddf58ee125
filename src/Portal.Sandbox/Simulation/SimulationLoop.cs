using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>
/// Runs every simulated controller on one background task: changes are fanned out to the controllers,
/// then each reconciles. One thread keeps controllers free of locking among themselves.
/// </summary>
internal sealed class SimulationLoop(
    ResourceStore store,
    IReadOnlyList<IController> controllers,
    TimeProvider time,
    ILogger<SimulationLoop> logger
)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    public async Task RunAsync(CancellationToken cancellation)
    {
        using var changes = store.Subscribe(null, null, null, 0, out _);
        var reader = changes.Reader;
        while (!cancellation.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var drained = 0;
            while (drained < 20_000 && reader.TryRead(out var change))
            {
                drained++;
                foreach (var controller in controllers)
                {
                    Guard(controller, () => controller.Observe(change, now));
                }
            }
            foreach (var controller in controllers)
            {
                Guard(controller, () => controller.Reconcile(now));
            }
            if (!reader.TryPeek(out _))
            {
                try
                {
                    await Task.WhenAny(reader.WaitToReadAsync(cancellation).AsTask(), Task.Delay(Tick, cancellation));
                    if (reader.TryPeek(out _))
                    {
                        // Let a burst of writes land before reconciling so one pass covers them.
                        await Task.Delay(2, cancellation);
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Guard(IController controller, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Controller} failed; it will retry on the next change", controller.GetType().Name);
        }
    }
}
