using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Monitoring;

/// <summary>
/// The sampler's writes of each minute on PostgreSQL, one statement per chunk with arrays as its parameters: at 50,000
/// pods they are some 50,000 usage updates and 70,000 samples a minute, which EF Core writes as a statement and up to
/// 14 parameters per row, in a burst that the cluster's watch and the pages wait behind. SQLite (the embedded mode, a
/// small world) keeps EF Core's way.
/// </summary>
internal static class PostgresSampleWrites
{
    private const int Chunk = 2000;

    /// <summary>
    /// Sets the usage columns of the rows of <paramref name="table"/> named by id, and no other column: the watch
    /// writes the same rows meanwhile. A row gone since it was read is not there to update.
    /// </summary>
    public static async Task SetUsageAsync(
        PortalDbContext db,
        string table,
        IReadOnlyList<(Guid Id, long CpuMillis, long MemoryBytes)> usage,
        CancellationToken ct
    )
    {
        // The table's name comes from the model, never from input.
        var update = $"""
            UPDATE "{table}" AS t SET "CpuUsageMillis" = u.cpu, "MemoryUsageBytes" = u.memory
            FROM unnest(@ids, @cpu, @memory) AS u(id, cpu, memory)
            WHERE t."Id" = u.id
            """;
        foreach (var chunk in usage.Chunk(Chunk))
        {
            await db.Database.ExecuteSqlRawAsync(
                update,
                [
                    new NpgsqlParameter("ids", chunk.Select(u => u.Id).ToArray()),
                    new NpgsqlParameter("cpu", chunk.Select(u => u.CpuMillis).ToArray()),
                    new NpgsqlParameter("memory", chunk.Select(u => u.MemoryBytes).ToArray()),
                ],
                ct
            );
        }
    }

    public static async Task InsertSamplesAsync(
        PortalDbContext db,
        IReadOnlyList<RawSample> samples,
        CancellationToken ct
    )
    {
        foreach (var chunk in samples.Chunk(Chunk))
        {
            await db.Database.ExecuteSqlRawAsync(
                """
                INSERT INTO "MetricSamples" ("SubjectId", "At", "Cpu", "Memory", "CpuRequested", "MemoryRequested",
                    "CpuPercent", "MemoryPercent", "Restarts", "Ready", "Desired", "Pending", "Failing", "QuotaPercent")
                SELECT * FROM unnest(@subject, @at, @cpu, @memory, @cpuRequested, @memoryRequested, @cpuPercent,
                    @memoryPercent, @restarts, @ready, @desired, @pending, @failing, @quotaPercent)
                """,
                [
                    new NpgsqlParameter("subject", chunk.Select(s => s.SubjectId).ToArray()),
                    new NpgsqlParameter("at", chunk.Select(s => s.At).ToArray()),
                    new NpgsqlParameter("cpu", chunk.Select(s => s.Cpu).ToArray()),
                    new NpgsqlParameter("memory", chunk.Select(s => s.Memory).ToArray()),
                    new NpgsqlParameter("cpuRequested", chunk.Select(s => s.CpuRequested).ToArray()),
                    new NpgsqlParameter("memoryRequested", chunk.Select(s => s.MemoryRequested).ToArray()),
                    new NpgsqlParameter("cpuPercent", chunk.Select(s => s.CpuPercent).ToArray()),
                    new NpgsqlParameter("memoryPercent", chunk.Select(s => s.MemoryPercent).ToArray()),
                    new NpgsqlParameter("restarts", chunk.Select(s => s.Restarts).ToArray()),
                    new NpgsqlParameter("ready", chunk.Select(s => s.Ready).ToArray()),
                    new NpgsqlParameter("desired", chunk.Select(s => s.Desired).ToArray()),
                    new NpgsqlParameter("pending", chunk.Select(s => s.Pending).ToArray()),
                    new NpgsqlParameter("failing", chunk.Select(s => s.Failing).ToArray()),
                    new NpgsqlParameter("quotaPercent", chunk.Select(s => s.QuotaPercent).ToArray()),
                ],
                ct
            );
        }
    }
}
