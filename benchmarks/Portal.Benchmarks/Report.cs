using System.Globalization;
using System.Text;

namespace Portal.Benchmarks;

/// <summary>The Markdown report, echoed to the console as it grows.</summary>
internal sealed class Report
{
    private readonly StringBuilder _text = new();

    public void Line(string line = "")
    {
        _text.AppendLine(line);
        Console.WriteLine(line);
    }

    public void Lines(IEnumerable<string> lines)
    {
        foreach (var line in lines)
            Line(line);
    }

    public void Heading(string heading)
    {
        Line();
        Line(heading);
        Line();
    }

    public void Table(IEnumerable<Samples> samples)
    {
        Line(Samples.Header);
        Line(Samples.Rule);
        foreach (var s in samples)
            Line(s.Row);
        Line();
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => _text.ToString();
}
