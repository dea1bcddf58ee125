using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Sandbox.Common;

public enum QuantityFormat
{
    DecimalSI,
    BinarySI,
    DecimalExponent,
}

/// <summary>
/// A Kubernetes resource quantity ("500m", "1.5Gi", "2", "1e3") with the canonical formatting of apimachinery.
/// </summary>
public readonly partial record struct Quantity(decimal Value, QuantityFormat Format)
{
    private static readonly (string Suffix, decimal Factor)[] BinarySuffixes =
    [
        ("Ki", 1024m),
        ("Mi", 1024m * 1024),
        ("Gi", 1024m * 1024 * 1024),
        ("Ti", 1024m * 1024 * 1024 * 1024),
        ("Pi", 1024m * 1024 * 1024 * 1024 * 1024),
        ("Ei", 1024m * 1024 * 1024 * 1024 * 1024 * 1024),
    ];

    private static readonly (string Suffix, int Exponent)[] DecimalSuffixes =
    [
        ("n", -9),
        ("u", -6),
        ("m", -3),
        ("", 0),
        ("k", 3),
        ("M", 6),
        ("G", 9),
        ("T", 12),
        ("P", 15),
        ("E", 18),
    ];

    public static Quantity Zero(QuantityFormat format = QuantityFormat.DecimalSI) => new(0, format);

    public static Quantity FromMilli(long milli) => new(milli / 1000m, QuantityFormat.DecimalSI);

    public static Quantity FromBytes(long bytes) => new(bytes, QuantityFormat.BinarySI);

    public long MilliValue => (long)Math.Ceiling(Value * 1000);

    public long IntegerValue => (long)Math.Ceiling(Value);

    public static bool TryParse(string? text, out Quantity quantity)
    {
        quantity = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var match = Pattern().Match(text.Trim());
        if (
            !match.Success
            || !decimal.TryParse(
                match.Groups[1].Value,
                NumberStyles.Float,
                CultureInfo.InvariantCulture,
                out var number
            )
        )
        {
            return false;
        }
        var suffix = match.Groups[2].Value;
        if (suffix.Length > 1 && (suffix[0] == 'e' || suffix[0] == 'E'))
        {
            if (
                !int.TryParse(
                    suffix[1..],
                    NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture,
                    out var exponent
                )
                || Math.Abs(exponent) > 27
            )
            {
                return false;
            }
            quantity = new Quantity(number * Pow10(exponent), QuantityFormat.DecimalExponent);
            return true;
        }
        foreach (var (binarySuffix, factor) in BinarySuffixes)
        {
            if (suffix == binarySuffix)
            {
                quantity = new Quantity(number * factor, QuantityFormat.BinarySI);
                return true;
            }
        }
        foreach (var (decimalSuffix, exponent) in DecimalSuffixes)
        {
            if (suffix == decimalSuffix)
            {
                quantity = new Quantity(number * Pow10(exponent), QuantityFormat.DecimalSI);
                return true;
            }
        }
        return false;
    }

    public static Quantity Parse(string text) =>
        TryParse(text, out var q)
            ? q
            : throw new FormatException(
                $"quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': {text}"
            );

    public static Quantity operator +(Quantity a, Quantity b) => new(a.Value + b.Value, a.Format);

    public static Quantity operator -(Quantity a, Quantity b) => new(a.Value - b.Value, a.Format);

    public override string ToString()
    {
        var value = Value;
        if (value == 0)
        {
            return "0";
        }
        var sign = value < 0 ? "-" : "";
        value = Math.Abs(value);
        if (Format == QuantityFormat.BinarySI && value == decimal.Truncate(value) && value >= 1024)
        {
            for (var i = BinarySuffixes.Length - 1; i >= 0; i--)
            {
                var (suffix, factor) = BinarySuffixes[i];
                if (value % factor == 0)
                {
                    return sign + (value / factor).ToString(CultureInfo.InvariantCulture) + suffix;
                }
            }
        }
        // Precision below nano is rounded up, as apimachinery does.
        var nanos = decimal.Ceiling(value * 1_000_000_000m);
        var exponent = -9;
        while (exponent < 18 && nanos % 1000 == 0)
        {
            nanos /= 1000;
            exponent += 3;
        }
        var mantissa = nanos.ToString(CultureInfo.InvariantCulture);
        if (Format == QuantityFormat.DecimalExponent)
        {
            return exponent == 0 ? sign + mantissa : $"{sign}{mantissa}e{exponent}";
        }
        var decimalSuffix = DecimalSuffixes.First(s => s.Exponent == exponent).Suffix;
        return sign + mantissa + decimalSuffix;
    }

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            result *= 10;
        }
        return exponent < 0 ? 1 / result : result;
    }

    [GeneratedRegex(@"\A([+-]?[0-9]*\.?[0-9]+|[+-]?[0-9]+\.)([eE][+-]?[0-9]+|[a-zA-Z]*)\z")]
    private static partial Regex Pattern();
}
