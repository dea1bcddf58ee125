using System.Globalization;

namespace Portal.Benchmarks;

/// <summary>Latency samples in milliseconds, summarised with nearest-rank percentiles.</summary>
internal sealed class Samples(string name)
{
    private readonly List<double> _values = [];

    public string Name { get; } = name;

    public int Count => _values.Count;

    public void Add(double milliseconds) => _values.Add(milliseconds);

    public double Percentile(double q)
    {
        if (_values.Count == 0)
            return double.NaN;
        var sorted = _values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Mean => _values.Count == 0 ? double.NaN : _values.Average();

    public double Max => _values.Count == 0 ? double.NaN : _values.Max();

    public static string Header => "| case | n | p50 ms | p95 ms | p99 ms | max ms | mean ms |";

    public static string Rule => "|---|---:|---:|---:|---:|---:|---:|";

    public string Row =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"| {Name} | {Count} | {Percentile(0.50):F2} | {Percentile(0.95):F2} | "
                + $"{Percentile(0.99):F2} | {Max:F2} | {Mean:F2} |"
        );
}

internal static class Format
{
    public static string MiB(long bytes) =>
        string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024.0:F1} MiB");

    public static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F2} s");

    public static string N(double value, int decimals = 0) =>
        value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
