using Portal.Infrastructure.Pipelines.Runs;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// A command's output on its way to the run's log, bounded: the first <c>head</c> lines are written as they come (on
/// each flush), then only the last <c>tail</c> are kept, written at the end after a line that says how many were left
/// out. Lines are added from the command's reader threads and flushed by the job.
/// </summary>
internal sealed class CommandLines(RunLog log, string stage, int head, int tail)
{
    private readonly Queue<string> _pending = new();
    private readonly Queue<string> _tail = new();
    private int _taken;
    private int _leftOut;

    public void Add(string line)
    {
        lock (_pending)
        {
            if (_taken < head)
            {
                _taken++;
                _pending.Enqueue(line);
                return;
            }
            _tail.Enqueue(line);
            if (_tail.Count > tail)
            {
                _tail.Dequeue();
                _leftOut++;
            }
        }
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        foreach (var line in Take(_pending))
            await log.WriteAsync(stage, line, ct);
    }

    /// <summary>Writes what is pending, then the kept last lines.</summary>
    public async Task FinishAsync(CancellationToken ct)
    {
        await FlushAsync(ct);
        int leftOut;
        lock (_pending)
            leftOut = _leftOut;
        if (leftOut > 0)
            await log.WriteAsync(stage, $"… {leftOut} lines left out; the last {tail} follow …", ct);
        foreach (var line in Take(_tail))
            await log.WriteAsync(stage, line, ct);
    }

    private List<string> Take(Queue<string> queue)
    {
        lock (_pending)
        {
            var lines = queue.ToList();
            queue.Clear();
            return lines;
        }
    }
}
