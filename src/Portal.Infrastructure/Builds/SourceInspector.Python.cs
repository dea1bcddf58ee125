using System.Text.RegularExpressions;

namespace Portal.Infrastructure.Builds;

public sealed partial class SourceInspector
{
    private static readonly string[] PythonPrograms = ["app.py", "main.py", "server.py", "wsgi.py", "asgi.py"];

    /// <summary>
    /// requirements.txt or pyproject.toml (or a Python program alone): gunicorn among the dependencies serves a WSGI
    /// application, uvicorn an ASGI one (found as "app = Flask(…)", "app = FastAPI(…)", Django's wsgi.py); else the
    /// program runs with python.
    /// </summary>
    private static Found? Python(SourceTree tree)
    {
        var requirements = tree.ReadText("requirements.txt");
        var pyproject = requirements is null ? tree.ReadText("pyproject.toml") : null;
        var program = PythonPrograms.FirstOrDefault(tree.HasFile);
        if (requirements is null && pyproject is null && program is null)
            return null;

        var found = new Found("python", [], []);
        var dependencies = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (requirements is not null)
        {
            found.Values["dependencies"] = "requirements";
            found.Reasons.Add("requirements.txt at the top of the source");
            foreach (Match m in RequirementName().Matches(requirements))
                dependencies.Add(m.Groups[1].Value.Replace('_', '-'));
        }
        else if (pyproject is not null)
        {
            found.Values["dependencies"] = "pyproject";
            found.Reasons.Add("pyproject.toml at the top of the source");
            foreach (Match m in QuotedRequirement().Matches(pyproject))
                dependencies.Add(m.Groups[1].Value.Replace('_', '-'));
            if (RequiresPython().Match(pyproject) is { Success: true } requires)
            {
                found.Values["python_version"] = requires.Groups[1].Value;
                found.Reasons.Add($"pyproject.toml requires Python {requires.Groups[1].Value}");
            }
        }
        else
        {
            found.Values["dependencies"] = "none";
            found.Reasons.Add($"{program} is a Python program, with no requirements.txt or pyproject.toml");
        }
        if (tree.ReadText(".python-version") is { } pinned && PythonVersion().Match(pinned) is { Success: true } v)
        {
            found.Values["python_version"] = v.Groups[1].Value;
            found.Reasons.Add($".python-version asks for {v.Groups[1].Value}");
        }

        var asgi =
            dependencies.Contains("uvicorn")
            && (!dependencies.Contains("gunicorn") || dependencies.Overlaps(["fastapi", "starlette", "litestar"]));
        var server =
            asgi ? "uvicorn"
            : dependencies.Contains("gunicorn") ? "gunicorn"
            : null;
        var application = server is null ? null : FindApplication(tree, asgi);
        if (server is not null && application is not null)
        {
            found.Values["server"] = server;
            found.Values["app_module"] = application.Value.Module;
            found.Reasons.Add(
                $"{server} among the dependencies serves {(asgi ? "an ASGI" : "a WSGI")} application: "
                    + application.Value.Reason
            );
        }
        else
        {
            found.Values["server"] = "command";
            if (server is not null)
                found.Reasons.Add(
                    $"{server} among the dependencies, but no application object found: give the start command"
                );
            var start = program ?? (tree.HasFile("manage.py") ? "manage.py" : null);
            if (start is not null)
            {
                found.Values["start_command"] =
                    start == "manage.py" ? "python manage.py runserver 0.0.0.0:8000" : $"python {start}";
                found.Reasons.Add($"{start} starts it");
            }
        }
        if (
            program is not null
            && tree.ReadText(program) is { } code
            && GenericPort().Match(code) is { Success: true } p
        )
        {
            found.Values["port"] = p.Groups[1].Value;
            found.Reasons.Add($"{program} listens on {p.Groups[1].Value}");
        }
        return found;
    }

    /// <summary>The module and object gunicorn or uvicorn serves ("app:app"), and where it was found.</summary>
    private static (string Module, string Reason)? FindApplication(SourceTree tree, bool asgi)
    {
        foreach (var file in PythonPrograms.Concat(tree.FindFiles(asgi ? "asgi.py" : "wsgi.py")).Distinct())
        {
            if (tree.ReadText(file) is not { } code || PythonApplication().Match(code) is not { Success: true } m)
                continue;
            var module = file[..^".py".Length].Replace('/', '.');
            if (!PythonModule().IsMatch(module))
                continue;
            return (
                $"{module}:{m.Groups["name"].Value}",
                $"{file} defines {m.Groups["name"].Value} = {m.Groups["maker"].Value}(…)"
            );
        }
        return null;
    }

    [GeneratedRegex(@"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", RegexOptions.Multiline)]
    private static partial Regex RequirementName();

    [GeneratedRegex(@"[""']([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~;].*?)?[""']")]
    private static partial Regex QuotedRequirement();

    [GeneratedRegex(@"requires-python\s*=\s*[""'][^0-9""']*(3\.\d{1,2})")]
    private static partial Regex RequiresPython();

    [GeneratedRegex(@"^\s*(3\.\d{1,2})")]
    private static partial Regex PythonVersion();

    [GeneratedRegex(
        @"^(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:[A-Za-z_][A-Za-z0-9_]*\.)?"
            + @"(?<maker>Flask|FastAPI|Starlette|Quart|Litestar|Sanic|Bottle|Falcon|App"
            + @"|get_wsgi_application|get_asgi_application)\(",
        RegexOptions.Multiline
    )]
    private static partial Regex PythonApplication();

    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\z")]
    private static partial Regex PythonModule();
}
