using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Sandbox.Api;
using Portal.Web.Clusters;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// Every row of every table of the portal's database, each as a hash of its values with a short text of it for the
/// report, and the number of objects of each kind in the embedded sandbox cluster.
/// </summary>
public sealed class WorldFingerprint
{
    /// <summary>
    /// The one table a refused request may add to: the portal records some refusals (a quota exceeded, a pool change
    /// refused) as audit entries with the outcome Denied. Such entries may be added; no entry may change or go, and no
    /// entry of any other outcome may be added.
    /// </summary>
    public const string AuditTable = "AuditEvents";

    /// <summary>
    /// Columns the portal rewrites on its own clock, whatever requests come: the cluster watch records when it last
    /// saw each host (with the node's conditions and usage). Every other column of these tables counts.
    /// </summary>
    private static readonly Dictionary<string, string[]> OwnClock = new()
    {
        ["Hosts"] = ["ObservedAt", "Conditions", "CpuUsageMillis", "MemoryUsageBytes"],
    };

    /// <summary>
    /// The watchers' leases: every replica takes the lease of each registered cluster it finds when it re-reads them
    /// (a third of a lease apart) and renews it, so a cluster the world registered gets its lease whenever that comes.
    /// No request writes them; a request that registered a cluster would show in <c>Clusters</c>.
    /// </summary>
    private static readonly HashSet<string> WatchBookkeeping = ["ClusterWatchLeases"];

    private readonly Dictionary<string, Dictionary<string, string>> _rows;
    private readonly Dictionary<string, int> _clusterObjects;

    private WorldFingerprint(
        Dictionary<string, Dictionary<string, string>> rows,
        Dictionary<string, int> clusterObjects
    )
    {
        _rows = rows;
        _clusterObjects = clusterObjects;
    }

    public int Tables => _rows.Count;
    public int Rows => _rows.Values.Sum(r => r.Count);
    public int ClusterObjects => _clusterObjects.Values.Sum();

    public static async Task<WorldFingerprint> TakeAsync(PortalFactory factory)
    {
        await using var connection =
            factory.Kind == DatabaseKind.Sqlite
                ? (DbConnection)new Microsoft.Data.Sqlite.SqliteConnection(factory.ConnectionString)
                : new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        var rows = new Dictionary<string, Dictionary<string, string>>();
        var tables = await TablesAsync(connection, factory.Kind);
        foreach (var table in tables.Where(t => !WatchBookkeeping.Contains(NameOf(t))))
            rows[table] = await RowsAsync(connection, table);
        var store = factory.Services.GetRequiredService<EmbeddedSandbox>().Cluster!.Store;
        var objects = ResourceKinds.All.ToDictionary(k => k.ToString(), store.Count);
        return new WorldFingerprint(rows, objects);
    }

    /// <summary>What changed from <paramref name="before"/> to this, one line per table or kind.</summary>
    public IReadOnlyList<string> ChangesSince(WorldFingerprint before)
    {
        var changes = new List<string>();
        foreach (var table in before._rows.Keys.Union(_rows.Keys).Order(StringComparer.Ordinal))
        {
            var old = before._rows.GetValueOrDefault(table) ?? [];
            var now = _rows.GetValueOrDefault(table) ?? [];
            var gone = old.Keys.Except(now.Keys).Select(k => old[k]).ToList();
            var added = now.Keys.Except(old.Keys).Select(k => now[k]).ToList();
            if (table.Trim('"').EndsWith(AuditTable, StringComparison.Ordinal) && gone.Count == 0)
                added = added.Where(row => !row.Contains("|Outcome=Denied|", StringComparison.Ordinal)).ToList();
            if (gone.Count == 0 && added.Count == 0)
                continue;
            if (table.Trim('"').EndsWith(AuditTable, StringComparison.Ordinal))
                added =
                [
                    .. added
                        .GroupBy(row => System.Text.RegularExpressions.Regex.Match(row, @"\|Action=[^|]*\|").Value)
                        .Select(g => $"{g.Count()}× {g.Key}"),
                ];
            changes.Add(
                $"{table}: {gone.Count} rows gone or changed, {added.Count} added or changed: "
                    + string.Join(
                        " / ",
                        gone.Take(3)
                            .Select(r => "was " + r)
                            .Concat(
                                added
                                    .Take(table.Trim('"').EndsWith(AuditTable, StringComparison.Ordinal) ? 30 : 3)
                                    .Select(r => "now " + r)
                            )
                    )
            );
        }
        foreach (var (kind, count) in _clusterObjects)
            if (before._clusterObjects.GetValueOrDefault(kind) != count)
                changes.Add($"cluster {kind}: {before._clusterObjects.GetValueOrDefault(kind)} → {count} objects");
        return changes;
    }

    private static async Task<List<string>> TablesAsync(DbConnection connection, DatabaseKind kind)
    {
        var sql =
            kind == DatabaseKind.Sqlite
                ? "SELECT '\"' || name || '\"' FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                : """
                    SELECT '"' || table_schema || '"."' || table_name || '"' FROM information_schema.tables
                    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
                    """;
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            tables.Add(reader.GetString(0));
        return tables;
    }

    private static async Task<Dictionary<string, string>> RowsAsync(DbConnection connection, string table)
    {
        var ownClock = OwnClock.GetValueOrDefault(NameOf(table)) ?? [];
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM {table}";
        var rows = new Dictionary<string, string>();
        await using var reader = await command.ExecuteReaderAsync();
        var text = new StringBuilder();
        while (await reader.ReadAsync())
        {
            text.Clear().Append('|');
            for (var i = 0; i < reader.FieldCount; i++)
                if (!ownClock.Contains(reader.GetName(i)))
                    text.Append(reader.GetName(i)).Append('=').Append(Text(reader.GetValue(i))).Append('|');
            var row = text.ToString();
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(row)));
            // Identical rows (a table without a key) count once each.
            // An audit entry is kept whole, for its outcome after a long target; the rest shortened for the report.
            while (!rows.TryAdd(hash, row.Length > 300 && !table.Contains(AuditTable) ? row[..300] + "…" : row))
                hash += "+";
        }
        return rows;
    }

    private static string Text(object value) =>
        value switch
        {
            DBNull => "null",
            byte[] bytes => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)),
            Array array => "[" + string.Join(",", array.Cast<object>().Select(Text)) + "]",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
        };

    /// <summary>A table's own name, without its schema and quotes.</summary>
    private static string NameOf(string table) => table.Split('.')[^1].Trim('"');
}
