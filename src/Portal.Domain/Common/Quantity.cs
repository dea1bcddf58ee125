using System.Globalization;

namespace Portal.Domain.Common;

/// <summary>
/// Kubernetes resource quantities ("250m", "1.5", "512Mi", "2G", "1e3") as whole numbers the portal can add
/// and compare: CPU in millicores, memory and storage in bytes.
/// </summary>
public static class Quantity
{
    private static readonly (string Suffix, decimal Factor)[] Suffixes =
    [
        ("Ki", 1024m),
        ("Mi", 1024m * 1024),
        ("Gi", 1024m * 1024 * 1024),
        ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024),
        ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
        ("n", 0.000000001m),
        ("u", 0.000001m),
        ("m", 0.001m),
        ("k", 1e3m),
        ("M", 1e6m),
        ("G", 1e9m),
        ("T", 1e12m),
        ("P", 1e15m),
        ("E", 1e18m),
    ];

    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s))
            return false;
        foreach (var (suffix, factor) in Suffixes)
        {
            if (s.EndsWith(suffix, StringComparison.Ordinal) && TryNumber(s[..^suffix.Length], out var number))
            {
                try
                {
                    value = number * factor;
                    return true;
                }
                catch (OverflowException)
                {
                    // "99999999999999999999999999Gi" reads as a number but is past what any number here holds.
                    return false;
                }
            }
        }
        return TryNumber(s, out value);
    }

    /// <summary>
    /// A quantity that is not negative, times <paramref name="unit"/> (1000 for millicores) and rounded up, when it
    /// fits a long: "1e30", or "9e20Ei", is no amount of anything a person means.
    /// </summary>
    public static bool TryWhole(string? text, decimal unit, out long whole)
    {
        whole = 0;
        try
        {
            if (!TryParse(text, out var value) || value < 0 || value * unit > long.MaxValue)
                return false;
            whole = (long)Math.Ceiling(value * unit);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>CPU in millicores, rounded up as Kubernetes does; 0 when absent or unreadable.</summary>
    public static long CpuMillis(string? text) => TryParse(text, out var cores) ? (long)Math.Ceiling(cores * 1000m) : 0;

    /// <summary>Bytes (memory, storage) or a plain count (pods); 0 when absent or unreadable.</summary>
    public static long Whole(string? text) => TryParse(text, out var value) ? (long)Math.Ceiling(value) : 0;

    public static string FormatCpu(long millis) =>
        millis % 1000 == 0
            ? (millis / 1000).ToString(CultureInfo.InvariantCulture)
            : (millis / 1000m).ToString("0.###", CultureInfo.InvariantCulture);

    public static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        decimal value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return $"{value.ToString(unit == 0 ? "0" : "0.#", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    private static bool TryNumber(string s, out decimal value) =>
        decimal.TryParse(
            s,
            NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent | NumberStyles.AllowLeadingSign,
            CultureInfo.InvariantCulture,
            out value
        );
}
