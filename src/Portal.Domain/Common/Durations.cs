using System.Globalization;

namespace Portal.Domain.Common;

/// <summary>
/// Durations as people write them in forms and YAML: a whole number and a unit, or several (<c>90s</c>, <c>10m</c>,
/// <c>1h30m</c>, <c>2d</c>); formatted back the same way, so that what is read is what is written.
/// </summary>
public static class Durations
{
    private static readonly (char Unit, TimeSpan Size)[] Units =
    [
        ('d', TimeSpan.FromDays(1)),
        ('h', TimeSpan.FromHours(1)),
        ('m', TimeSpan.FromMinutes(1)),
        ('s', TimeSpan.FromSeconds(1)),
    ];

    public static Result<TimeSpan> Parse(string? text, string field)
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(field, "A duration is required, such as 90s, 10m, 1h30m or 2d.");
        var total = TimeSpan.Zero;
        var rest = value.AsSpan();
        var lastUnit = -1;
        while (rest.Length > 0)
        {
            var digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
                digits++;
            var unit = digits < rest.Length ? UnitIndex(rest[digits]) : -1;
            if (digits == 0 || digits > 6 || unit < 0 || unit <= lastUnit)
                return Problem.Invalid(
                    field,
                    $"'{value}' is not a duration: write a number and a unit (s, m, h, d), such as 90s, 10m, 1h30m."
                );
            total += Units[unit].Size * int.Parse(rest[..digits], CultureInfo.InvariantCulture);
            lastUnit = unit;
            rest = rest[(digits + 1)..];
        }
        return total;
    }

    private static int UnitIndex(char unit) => Array.FindIndex(Units, u => u.Unit == unit);

    public static string Format(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
            return "0s";
        var text = "";
        var rest = TimeSpan.FromSeconds(Math.Floor(duration.TotalSeconds));
        foreach (var (unit, size) in Units)
        {
            var count = (long)(rest.Ticks / size.Ticks);
            if (count == 0)
                continue;
            text += $"{count}{unit}";
            rest -= size * count;
        }
        return text.Length == 0 ? "0s" : text;
    }
}
