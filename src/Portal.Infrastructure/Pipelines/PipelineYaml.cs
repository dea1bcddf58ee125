using System.Globalization;
using System.Text;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Portal.Infrastructure.Pipelines;

/// <summary>
/// A pipeline's definition as YAML, the one text its editor shows: read with every problem named at its line
/// ("Line 12: …"), an unknown key refused so that a typo does not pass for an absent field, and written back in one
/// canonical layout, so that the form and the YAML editor show the same definition.
/// </summary>
public static class PipelineYaml
{
    public const string Field = "Yaml";

    private static readonly string[] StageKeys =
    [
        "name",
        "kind",
        "group",
        "timeout",
        "manual",
        "command",
        "probe",
        "environment",
        "rollbackOnFailure",
        "approvers",
        "from",
        "to",
        "percent",
        "duration",
        "maxRestarts",
    ];

    /// <summary>The definition in <paramref name="yaml"/>, or every problem in it, each with its line.</summary>
    public static Result<PipelineDefinition> Parse(string? yaml)
    {
        var text = yaml ?? "";
        if (text.Length > Pipeline.YamlMaxLength)
            return Problem.Invalid(Field, $"The YAML is longer than {Pipeline.YamlMaxLength} characters.");
        YamlMappingNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
                return Problem.Invalid(Field, "Line 1: the YAML must be a mapping with 'stages' (and 'triggers').");
            if (stream.Documents.Count > 1)
                return Problem.Invalid(Field, "The YAML holds several documents: a pipeline is one.");
            root = mapping;
        }
        catch (YamlException e)
        {
            var reason = (e.InnerException?.Message ?? e.Message).Trim();
            return Problem.Invalid(Field, $"Line {e.Start.Line}: {reason}");
        }
        return new Reader(root).Read();
    }

    /// <summary>The definition in the canonical layout <see cref="Parse"/> reads back to the same definition.</summary>
    public static string Write(PipelineDefinition definition)
    {
        var yaml = new StringBuilder();
        var triggers = definition.Triggers;
        yaml.AppendLine("triggers:");
        yaml.AppendLine($"  branches: {List(triggers.Branches)}");
        yaml.AppendLine($"  tags: {List(triggers.Tags)}");
        if (triggers.Schedule is { } schedule)
            yaml.AppendLine($"  schedule: {Scalar(schedule)}");
        if (triggers.PollEvery is { } poll)
            yaml.AppendLine($"  poll: {Durations.Format(poll)}");
        yaml.AppendLine($"supersedeWaiting: {Bool(definition.SupersedeWaiting)}");
        yaml.AppendLine("stages:");
        foreach (var stage in definition.Stages)
        {
            yaml.AppendLine($"  - name: {Scalar(stage.Name)}");
            yaml.AppendLine($"    kind: {KindName(stage.Kind)}");
            if (stage.Group is { } group)
                yaml.AppendLine($"    group: {Scalar(group)}");
            if (stage.Timeout != PipelineLimits.DefaultStageTimeout)
                yaml.AppendLine($"    timeout: {Durations.Format(stage.Timeout)}");
            if (stage.Manual)
                yaml.AppendLine("    manual: true");
            switch (stage)
            {
                case TestStage { Command: { } command }:
                    yaml.AppendLine($"    command: {Scalar(command)}");
                    break;
                case TestStage { Probe: { } probe }:
                    yaml.AppendLine("    probe:");
                    if (probe.Environment is { } environment)
                        yaml.AppendLine($"      environment: {Scalar(environment)}");
                    if (probe.Path is { } path)
                        yaml.AppendLine($"      path: {Scalar(path)}");
                    if (probe.Url is { } url)
                        yaml.AppendLine($"      url: {Scalar(url)}");
                    yaml.AppendLine($"      within: {Durations.Format(probe.Within)}");
                    break;
                case DeployStage deploy:
                    yaml.AppendLine($"    environment: {Scalar(deploy.Environment)}");
                    yaml.AppendLine($"    rollbackOnFailure: {Bool(deploy.RollBackOnFailure)}");
                    break;
                case ApprovalStage approval:
                    yaml.AppendLine("    approvers:");
                    yaml.AppendLine($"      roles: {List([.. approval.Roles.Select(r => r.ToString())])}");
                    yaml.AppendLine($"      members: {List(approval.Members)}");
                    break;
                case PromoteStage promote:
                    yaml.AppendLine($"    from: {Scalar(promote.From)}");
                    yaml.AppendLine($"    to: {Scalar(promote.To)}");
                    break;
                case CanaryStage canary:
                    yaml.AppendLine($"    environment: {Scalar(canary.Environment)}");
                    yaml.AppendLine($"    percent: {canary.Percent.ToString(CultureInfo.InvariantCulture)}");
                    yaml.AppendLine($"    duration: {Durations.Format(canary.Duration)}");
                    yaml.AppendLine($"    maxRestarts: {canary.MaxRestarts.ToString(CultureInfo.InvariantCulture)}");
                    break;
            }
        }
        return yaml.ToString();
    }

    /// <summary>The name a kind has in YAML and forms.</summary>
    public static string KindName(StageKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>
    /// Why <paramref name="cron"/> is not a five-field cron expression, or null when it is one; a pipeline's schedule
    /// runs in UTC.
    /// </summary>
    public static string? ScheduleRefusal(string cron)
    {
        try
        {
            _ = Cronos.CronExpression.Parse(cron.Trim(), Cronos.CronFormat.Standard);
            return null;
        }
        catch (Cronos.CronFormatException e)
        {
            return e.Message.TrimEnd('.') + ". Five fields: minute hour day-of-month month day-of-week, in UTC.";
        }
    }

    private static string List(IReadOnlyList<string> items) => $"[{string.Join(", ", items.Select(Scalar))}]";

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>A plain scalar when YAML reads it back as the same string, else a double-quoted one.</summary>
    private static string Scalar(string value)
    {
        var plain =
            value.Length > 0
            && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.' or '@')
            && !char.IsAsciiDigit(value[0])
            && value is not ("true" or "false" or "null" or "yes" or "no" or "on" or "off" or "~");
        if (plain)
            return value;
        var escaped = new StringBuilder("\"");
        foreach (var c in value)
        {
            escaped.Append(
                c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\t' => "\\t",
                    '\r' => "\\r",
                    _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                    _ => c.ToString(),
                }
            );
        }
        return escaped.Append('"').ToString();
    }

    /// <summary>
    /// Reads one document, noting the line of every path so that the definition's checks point at it.
    /// </summary>
    private sealed class Reader(YamlMappingNode root)
    {
        private readonly List<Problem> _problems = [];
        private readonly Dictionary<string, int> _lines = new(StringComparer.Ordinal);

        public Result<PipelineDefinition> Read()
        {
            _lines[""] = Line(root);
            Keys(root, "", ["triggers", "supersedeWaiting", "stages"]);
            var triggers = ReadTriggers(Child(root, "triggers", ""));
            var supersede = Boolean(root, "supersedeWaiting", "", true);
            var stages = new List<PipelineStage>();
            if (Child(root, "stages", "") is not { } stagesNode)
                Refuse("stages", "A pipeline needs 'stages': a list of stages, each with a name and a kind.");
            else if (stagesNode is not YamlSequenceNode sequence)
                Refuse("stages", "'stages' must be a list of stages.");
            else
            {
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (ReadStage(sequence.Children[i], $"stages[{i}]") is { } stage)
                        stages.Add(stage);
                }
            }
            if (_problems.Count > 0)
                return Problem.Invalid(_problems);
            var definition = PipelineDefinition.Create(stages, triggers, supersede, ScheduleRefusal);
            if (definition.Succeeded)
                return definition;
            var causes = definition.Problem!.Causes.Count > 0 ? definition.Problem.Causes : [definition.Problem];
            return Problem.Invalid([.. causes.Select(c => At(c.Field ?? "", c.Message))]);
        }

        private PipelineTriggers ReadTriggers(YamlNode? node)
        {
            if (node is null)
                return PipelineTriggers.None;
            if (node is not YamlMappingNode triggers)
            {
                Refuse("triggers", "'triggers' must be a mapping (branches, tags, schedule, poll).");
                return PipelineTriggers.None;
            }
            Keys(triggers, "triggers", ["branches", "tags", "schedule", "poll"]);
            var schedule = Text(triggers, "schedule", "triggers");
            var poll = Text(triggers, "poll", "triggers");
            TimeSpan? pollEvery = null;
            if (poll is not null)
            {
                var parsed = Durations.Parse(poll, "triggers.poll");
                if (parsed.Succeeded)
                    pollEvery = parsed.Value;
                else
                    Refuse("triggers.poll", parsed.Problem!.Message);
            }
            return new PipelineTriggers(
                Strings(triggers, "branches", "triggers"),
                Strings(triggers, "tags", "triggers"),
                string.IsNullOrWhiteSpace(schedule) ? null : schedule.Trim(),
                pollEvery
            );
        }

        private PipelineStage? ReadStage(YamlNode node, string at)
        {
            _lines[at] = Line(node);
            if (node is not YamlMappingNode stage)
            {
                Refuse(at, "A stage must be a mapping with a name and a kind.");
                return null;
            }
            Keys(stage, at, StageKeys);
            var name = Text(stage, "name", at);
            var kindText = Text(stage, "kind", at);
            if (name is null)
                Refuse(at, "The stage needs a name.");
            StageKind? kind = null;
            if (kindText is null)
                Refuse(
                    at,
                    $"Stage '{name}' needs a kind: {string.Join(", ", Enum.GetValues<StageKind>().Select(KindName))}."
                );
            else if (
                Enum.GetValues<StageKind>().FirstOrDefault(k => KindName(k) == kindText) is var found
                && found == 0
            )
                Refuse(
                    $"{at}.kind",
                    $"Stage '{name}' has kind '{kindText}': choose one of "
                        + $"{string.Join(", ", Enum.GetValues<StageKind>().Select(KindName))}."
                );
            else
                kind = found;
            var timeout = Duration(stage, "timeout", at) ?? PipelineLimits.DefaultStageTimeout;
            var group = Text(stage, "group", at);
            var manual = Boolean(stage, "manual", at, false);
            if (name is null || kind is null)
                return null;
            var allowed = KeysOf(kind.Value);
            foreach (var key in stage.Children.Keys.OfType<YamlScalarNode>())
            {
                if (StageKeys.Contains(key.Value) && !allowed.Contains(key.Value!))
                    Refuse($"{at}.{key.Value}", $"A {KindName(kind.Value)} stage has no '{key.Value}'.", key);
            }
            PipelineStage? made = kind switch
            {
                StageKind.Build => new BuildImageStage(name),
                StageKind.Test => ReadTest(stage, name, at),
                StageKind.Deploy => new DeployStage(
                    name,
                    Required(stage, "environment", at, name),
                    Boolean(stage, "rollbackOnFailure", at, true)
                ),
                StageKind.Approval => ReadApproval(stage, name, at),
                StageKind.Promote => new PromoteStage(
                    name,
                    Required(stage, "from", at, name),
                    Required(stage, "to", at, name)
                ),
                StageKind.Canary => new CanaryStage(
                    name,
                    Required(stage, "environment", at, name),
                    Number(stage, "percent", at) ?? 10,
                    Duration(stage, "duration", at) ?? TimeSpan.FromMinutes(5),
                    Number(stage, "maxRestarts", at) ?? 0
                ),
                _ => null,
            };
            return made is null
                ? null
                : made with
                {
                    Timeout = timeout,
                    Group = string.IsNullOrWhiteSpace(group) ? null : group.Trim(),
                    Manual = manual,
                };
        }

        private static HashSet<string> KeysOf(StageKind kind)
        {
            string[] own = kind switch
            {
                StageKind.Test => ["command", "probe"],
                StageKind.Deploy => ["environment", "rollbackOnFailure"],
                StageKind.Approval => ["approvers"],
                StageKind.Promote => ["from", "to"],
                StageKind.Canary => ["environment", "percent", "duration", "maxRestarts"],
                _ => [],
            };
            return [.. own, "name", "kind", "group", "timeout", "manual"];
        }

        private TestStage ReadTest(YamlMappingNode stage, string name, string at)
        {
            var command = Text(stage, "command", at);
            HttpProbe? probe = null;
            if (Child(stage, "probe", at) is { } node)
            {
                if (node is not YamlMappingNode map)
                    Refuse($"{at}.probe", $"Stage '{name}': 'probe' must be a mapping (environment and path, or url).");
                else
                {
                    var path = $"{at}.probe";
                    Keys(map, path, ["environment", "path", "url", "within"]);
                    var environment = Text(map, "environment", path);
                    probe = new HttpProbe(
                        environment,
                        Text(map, "path", path) ?? (environment is null ? null : "/"),
                        Text(map, "url", path),
                        Duration(map, "within", path) ?? TimeSpan.FromMinutes(1)
                    );
                }
            }
            return new TestStage(name, command, probe);
        }

        private ApprovalStage ReadApproval(YamlMappingNode stage, string name, string at)
        {
            var roles = new List<TenantRole>();
            var members = new List<string>();
            if (Child(stage, "approvers", at) is not { } node)
                return new ApprovalStage(name, roles, members);
            if (node is not YamlMappingNode map)
            {
                Refuse($"{at}.approvers", $"Stage '{name}': 'approvers' must be a mapping (roles, members).");
                return new ApprovalStage(name, roles, members);
            }
            var path = $"{at}.approvers";
            Keys(map, path, ["roles", "members"]);
            foreach (var role in Strings(map, "roles", path))
            {
                var parsed = TenantRoles.Parse(role, $"{path}.roles");
                if (!parsed.Succeeded)
                    Refuse($"{path}.roles", parsed.Problem!.Message);
                else if (parsed.Value == TenantRole.Viewer)
                    Refuse(
                        $"{path}.roles",
                        "A Viewer changes nothing, so cannot approve: choose Developer or TenantAdmin."
                    );
                else
                    roles.Add(parsed.Value);
            }
            members.AddRange(Strings(map, "members", path).Select(m => m.Trim().ToLowerInvariant()));
            return new ApprovalStage(name, roles, members);
        }

        private string Required(YamlMappingNode map, string key, string at, string stage)
        {
            var value = Text(map, key, at);
            if (value is null)
                Refuse($"{at}.{key}", $"Stage '{stage}' needs '{key}'.", map);
            return value?.Trim() ?? "";
        }

        private void Keys(YamlMappingNode map, string at, IReadOnlyCollection<string> known)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!known.Contains(name))
                    Refuse(
                        Path(at, name),
                        $"Unknown key '{name}'{(at.Length == 0 ? "" : $" in {at}")}: the keys here are "
                            + $"{string.Join(", ", known)}.",
                        key
                    );
            }
        }

        private YamlNode? Child(YamlMappingNode map, string key, string at)
        {
            if (!map.Children.TryGetValue(new YamlScalarNode(key), out var node))
                return null;
            _lines[Path(at, key)] = Line(node);
            return node is YamlScalarNode { Value: null or "" or "~" } ? null : node;
        }

        private string? Text(YamlMappingNode map, string key, string at)
        {
            var node = Child(map, key, at);
            if (node is null)
                return null;
            if (node is YamlScalarNode scalar)
                return scalar.Value;
            Refuse(Path(at, key), $"'{key}' must be a single value.", node);
            return null;
        }

        private bool Boolean(YamlMappingNode map, string key, string at, bool absent)
        {
            var text = Text(map, key, at);
            if (text is null)
                return absent;
            if (text is "true" or "false")
                return text == "true";
            Refuse(Path(at, key), $"'{key}' is true or false, not '{text}'.");
            return absent;
        }

        private int? Number(YamlMappingNode map, string key, string at)
        {
            var text = Text(map, key, at);
            if (text is null)
                return null;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                return number;
            Refuse(Path(at, key), $"'{key}' is a whole number, not '{text}'.");
            return null;
        }

        private TimeSpan? Duration(YamlMappingNode map, string key, string at)
        {
            var text = Text(map, key, at);
            if (text is null)
                return null;
            var parsed = Durations.Parse(text, Path(at, key));
            if (parsed.Succeeded)
                return parsed.Value;
            Refuse(Path(at, key), parsed.Problem!.Message);
            return null;
        }

        private IReadOnlyList<string> Strings(YamlMappingNode map, string key, string at)
        {
            var node = Child(map, key, at);
            switch (node)
            {
                case null:
                    return [];
                case YamlScalarNode scalar:
                    return [scalar.Value!];
                case YamlSequenceNode sequence when sequence.Children.All(c => c is YamlScalarNode):
                    return [.. sequence.Children.Cast<YamlScalarNode>().Select(c => c.Value ?? "")];
                default:
                    Refuse(Path(at, key), $"'{key}' must be a list of values.", node);
                    return [];
            }
        }

        private void Refuse(string path, string message, YamlNode? node = null)
        {
            if (node is not null)
                _lines[path] = Line(node);
            _problems.Add(At(path, message));
        }

        /// <summary>The problem at the line of <paramref name="path"/>, or of the nearest path above it.</summary>
        private Problem At(string path, string message)
        {
            var probe = path;
            while (!_lines.ContainsKey(probe) && probe.Length > 0)
            {
                var cut = Math.Max(probe.LastIndexOf('.'), probe.LastIndexOf('['));
                probe = cut <= 0 ? "" : probe[..cut];
            }
            var line = _lines.GetValueOrDefault(probe, 1);
            return Problem.Invalid(Field, $"Line {line}: {message}");
        }

        private static string Path(string at, string key) => at.Length == 0 ? key : $"{at}.{key}";

        private static int Line(YamlNode node) => (int)node.Start.Line;
    }
}
