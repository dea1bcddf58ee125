using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portal.Infrastructure.Builds;

public sealed partial class SourceInspector
{
    /// <summary>
    /// package.json: a Node.js application when it has scripts.start, main or a server file; else, with
    /// scripts.build, a static site the build makes. The lockfile picks the package manager.
    /// </summary>
    private static Found? Node(SourceTree tree)
    {
        if (tree.ReadText("package.json") is not { } text)
            return null;
        var package = PackageJson.Parse(text);
        var manager =
            tree.HasFile("pnpm-lock.yaml") ? "pnpm"
            : tree.HasFile("yarn.lock") ? "yarn"
            : "npm";
        var lockfile = manager switch
        {
            "pnpm" => "pnpm-lock.yaml",
            "yarn" => "yarn.lock",
            _ => tree.HasFile("package-lock.json") ? "package-lock.json" : null,
        };
        var reasons = new List<string>();
        if (package is null)
            reasons.Add("package.json at the top of the source (it does not parse as JSON)");
        var entry = new[] { "server.js", "index.js", "app.js", "main.js" }.FirstOrDefault(tree.HasFile);
        var start =
            package?.Start is not null ? $"{manager} start"
            : package?.Main is { } main && IsPlainPath(main) ? $"node {main}"
            : entry is not null ? $"node {entry}"
            : null;
        if (package?.Build is not null && start is null)
            return StaticBuild(tree, package, manager, lockfile);

        var found = new Found("node", new() { ["package_manager"] = manager }, reasons);
        if (package?.Start is not null)
            reasons.Add("package.json with scripts.start");
        else if (package?.Main is { } m && start is not null && start.EndsWith(m, StringComparison.Ordinal))
            reasons.Add($"package.json with main ({m})");
        else if (entry is not null)
            reasons.Add($"package.json and {entry}");
        else if (package is not null)
            reasons.Add("package.json at the top of the source (no scripts.start or main: give the start command)");
        if (start is not null)
            found.Values["start_command"] = start;
        reasons.Add(
            lockfile is null ? "no lockfile, so npm install rather than npm ci" : $"{lockfile} picks {manager}"
        );
        if (lockfile is null)
            found.Values["install_command"] = "npm install";
        if (package?.Build is not null)
        {
            found.Values["build_command"] = $"{manager} run build";
            reasons.Add("package.json with scripts.build");
        }
        if (package?.Test is { } test && !test.Contains("no test specified", StringComparison.Ordinal))
        {
            found.Values["test_command"] = $"{manager} test";
            reasons.Add("package.json with scripts.test");
        }
        if (package?.NodeVersion is { } version)
        {
            found.Values["node_version"] = version.Major;
            reasons.Add($"engines.node is '{version.Range}'");
        }
        var program = package?.Main is { } file && IsPlainPath(file) ? file : entry;
        if (
            program is not null
            && tree.ReadText(program) is { } code
            && NodePort().Match(code) is { Success: true } port
        )
        {
            found.Values["port"] = port.Groups[1].Value;
            reasons.Add($"{program} listens on {port.Groups[1].Value}");
        }
        return found;
    }

    private static Found StaticBuild(SourceTree tree, PackageJson package, string manager, string? lockfile)
    {
        var output =
            package.Build!.Contains("react-scripts build", StringComparison.Ordinal) ? "build"
            : package.Build.Contains("next export", StringComparison.Ordinal) ? "out"
            : "dist";
        var install = (manager, lockfile) switch
        {
            ("pnpm", _) => "(command -v pnpm || npm install --global pnpm) && pnpm install --frozen-lockfile",
            ("yarn", _) => "(command -v yarn || npm install --global yarn) && yarn install --frozen-lockfile",
            (_, null) => "npm install",
            _ => "npm ci",
        };
        var found = new Found(
            "static",
            new()
            {
                ["site_dir"] = output,
                ["build_command"] = $"{manager} run build",
                ["install_command"] = install,
            },
            [
                $"package.json with scripts.build and neither scripts.start nor main: a site built into {output}/",
                lockfile is null ? "no lockfile, so npm install" : $"{lockfile} picks {manager}",
            ]
        );
        if (package.NodeVersion is { } version)
        {
            found.Values["node_version"] = version.Major;
            found.Reasons.Add($"engines.node is '{version.Range}'");
        }
        return found;
    }

    private static bool IsPlainPath(string path) =>
        path.Length is > 0 and < 200
        && !path.StartsWith('/')
        && !path.Split('/').Contains("..")
        && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/');

    /// <summary>What the inspector reads of package.json.</summary>
    private sealed record PackageJson(
        string? Start,
        string? Build,
        string? Test,
        string? Main,
        (string Range, string Major)? NodeVersion
    )
    {
        public static PackageJson? Parse(string text)
        {
            try
            {
                using var document = JsonDocument.Parse(
                    text,
                    new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }
                );
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    return null;
                var scripts =
                    root.TryGetProperty("scripts", out var s) && s.ValueKind == JsonValueKind.Object
                        ? s
                        : (JsonElement?)null;
                var range =
                    root.TryGetProperty("engines", out var engines)
                    && engines.ValueKind == JsonValueKind.Object
                    && engines.TryGetProperty("node", out var node)
                    && node.ValueKind == JsonValueKind.String
                        ? node.GetString()
                        : null;
                var major = range is null ? null : NodeMajor().Match(range);
                return new PackageJson(
                    Text(scripts, "start"),
                    Text(scripts, "build"),
                    Text(scripts, "test"),
                    Text(root, "main"),
                    major is { Success: true } ? (range!, major.Groups[1].Value) : null
                );
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string? Text(JsonElement? element, string name) =>
            element is { } e && e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString() is { Length: > 0 } text
                    ? text
                    : null
                : null;
    }

    [GeneratedRegex(@"(\d{2})")]
    private static partial Regex NodeMajor();

    /// <summary>listen(3000 / PORT || 3000 / PORT ?? 3000.</summary>
    [GeneratedRegex(@"(?:\.listen\(\s*|PORT\s*(?:\|\||\?\?)\s*)(\d{2,5})\b")]
    private static partial Regex NodePort();
}
