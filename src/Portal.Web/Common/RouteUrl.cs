using System.Globalization;
using System.Text;

namespace Portal.Web.Common;

/// <summary>
/// Makes a URL from a route template of a feature's routes class (<c>ApplicationRoutes</c>, …), the same string its
/// actions are routed by: each parameter, constraint and all (<c>{alertId:guid}</c>), is replaced in order by a value,
/// escaped as a path segment.
/// </summary>
public static class RouteUrl
{
    public static string Fill(string template, params ReadOnlySpan<object> values)
    {
        var url = new StringBuilder(template.Length + 16);
        var next = 0;
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] != '{')
            {
                url.Append(template[i]);
                continue;
            }
            var end = template.IndexOf('}', i);
            if (next == values.Length)
                throw new ArgumentException($"The route '{template}' needs more than {values.Length} values.");
            url.Append(Uri.EscapeDataString(Convert.ToString(values[next++], CultureInfo.InvariantCulture) ?? ""));
            i = end;
        }
        return next == values.Length
            ? url.ToString()
            : throw new ArgumentException($"The route '{template}' takes {next} values, not {values.Length}.");
    }
}
