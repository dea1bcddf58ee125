using System.Globalization;

namespace Portal.Web.Common;

/// <summary>
/// How every page writes a share as a percentage: a whole number, never "0%" for something nor "100%" for less than all
/// ("&lt;1%", "&gt;99%"), and "—" where there is no whole to be a share of. Bars draw <see cref="Bar"/> and take their
/// colour from <see cref="Level"/>, with the text beside them, so that colour is never the only sign.
/// </summary>
public static class Percent
{
    /// <summary>From this share on a bar warns, and from <see cref="HighFrom"/> it alarms.</summary>
    public const double WarnFrom = 75;
    public const double HighFrom = 90;

    /// <summary>
    /// <paramref name="part"/> as a percentage of <paramref name="whole"/>, or null when the whole is not positive.
    /// </summary>
    public static double? Of(double part, double whole) => whole > 0 ? part * 100 / whole : null;

    public static string Text(long part, long whole) => Text(Of(part, whole));

    public static string Text(double? percent) =>
        percent switch
        {
            null or double.NaN => "—",
            <= 0 => "0%",
            < 1 => "<1%",
            < 100 when Math.Round(percent.Value, MidpointRounding.AwayFromZero) >= 100 => ">99%",
            _ => Math.Round(percent.Value, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture)
                + "%",
        };

    /// <summary>The filled part of a bar, 0 to 100, whatever the share (an overcommitted pool fills its bar).</summary>
    public static int Bar(double? percent) =>
        percent is { } p && !double.IsNaN(p) ? (int)Math.Round(Math.Clamp(p, 0, 100)) : 0;

    /// <summary>The bar's class: <c>usage-high</c>, <c>usage-warn</c> or none.</summary>
    public static string Level(double? percent) =>
        percent >= HighFrom ? "usage-high"
        : percent >= WarnFrom ? "usage-warn"
        : "";
}
