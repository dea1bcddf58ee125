using System.Globalization;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Pipelines;

namespace Portal.Web.Pipelines;

/// <summary>
/// One stage of the editor's form: what every stage has, and the fields of every kind (only those of its
/// <see cref="Kind"/> are read). Texts as typed, so that a refusal shows them again.
/// </summary>
public sealed class StageForm
{
    public string? Name { get; set; }
    public string? Kind { get; set; }
    public string? Group { get; set; }
    public string? Timeout { get; set; }
    public bool Manual { get; set; }
    public string? Command { get; set; }
    public string? ProbeEnvironment { get; set; }
    public string? ProbePath { get; set; }
    public string? ProbeUrl { get; set; }
    public string? ProbeWithin { get; set; }
    public string? Environment { get; set; }

    /// <summary>False unless posted: an unticked box posts nothing. A new stage starts ticked.</summary>
    public bool RollbackOnFailure { get; set; }
    public List<string> Roles { get; set; } = [];
    public string? Members { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Percent { get; set; }
    public string? Duration { get; set; }
    public string? MaxRestarts { get; set; }

    public static StageForm New(string kind = "build", string? name = null) =>
        new()
        {
            Name = name ?? kind,
            Kind = kind,
            RollbackOnFailure = true,
            Percent = "10",
            Duration = "5m",
            MaxRestarts = "0",
            ProbeWithin = "1m",
        };

    public static StageForm Of(PipelineStage stage)
    {
        var form = New(PipelineYaml.KindName(stage.Kind), stage.Name);
        form.Group = stage.Group;
        form.Timeout = stage.Timeout == PipelineLimits.DefaultStageTimeout ? null : Durations.Format(stage.Timeout);
        form.Manual = stage.Manual;
        switch (stage)
        {
            case TestStage test:
                form.Command = test.Command;
                form.ProbeEnvironment = test.Probe?.Environment;
                form.ProbePath = test.Probe?.Path;
                form.ProbeUrl = test.Probe?.Url;
                if (test.Probe is { } probe)
                    form.ProbeWithin = Durations.Format(probe.Within);
                break;
            case DeployStage deploy:
                form.Environment = deploy.Environment;
                form.RollbackOnFailure = deploy.RollBackOnFailure;
                break;
            case ApprovalStage approval:
                form.Roles = [.. approval.Roles.Select(r => r.ToString())];
                form.Members = string.Join(", ", approval.Members);
                break;
            case PromoteStage promote:
                form.From = promote.From;
                form.To = promote.To;
                break;
            case CanaryStage canary:
                form.Environment = canary.Environment;
                form.Percent = canary.Percent.ToString(CultureInfo.InvariantCulture);
                form.Duration = Durations.Format(canary.Duration);
                form.MaxRestarts = canary.MaxRestarts.ToString(CultureInfo.InvariantCulture);
                break;
        }
        return form;
    }
}

/// <summary>
/// The pipeline editor as posted: its name (when new), the triggers and stages of its form, and its YAML; which of the
/// two <see cref="Mode"/> saves; and an <see cref="Act"/> on the stage list (add, remove, move) done without
/// JavaScript by the server. The form becomes a <see cref="PipelineDefinition"/> with every problem at its field, and
/// YAML through <see cref="PipelineYaml.Write"/>; YAML becomes the form through <see cref="PipelineYaml.Parse"/>.
/// </summary>
public sealed class PipelineForm
{
    public const string FormMode = "form";
    public const string YamlMode = "yaml";

    public string? Name { get; set; }
    public string? Branches { get; set; }
    public string? Tags { get; set; }
    public string? Schedule { get; set; }
    public string? Poll { get; set; }
    public bool SupersedeWaiting { get; set; }
    public List<StageForm> Stages { get; set; } = [];
    public string? Yaml { get; set; }
    public string? Mode { get; set; }
    public string? Act { get; set; }

    public bool SavesYaml => Mode == YamlMode;

    /// <summary>A new pipeline's start: build, then deploy to dev, on a push to main.</summary>
    public static PipelineForm New()
    {
        var deploy = StageForm.New("deploy");
        deploy.Environment = "dev";
        var form = new PipelineForm
        {
            Name = "main",
            Branches = "main",
            SupersedeWaiting = true,
            Stages = [StageForm.New("build"), deploy],
            Mode = FormMode,
        };
        var definition = form.ToDefinition();
        form.Yaml = definition.Succeeded ? PipelineYaml.Write(definition.Value) : "";
        return form;
    }

    public static PipelineForm Of(string? name, PipelineDefinition definition, string yaml) =>
        new()
        {
            Name = name,
            Branches = string.Join(", ", definition.Triggers.Branches),
            Tags = string.Join(", ", definition.Triggers.Tags),
            Schedule = definition.Triggers.Schedule,
            Poll = definition.Triggers.PollEvery is { } poll ? Durations.Format(poll) : null,
            SupersedeWaiting = definition.SupersedeWaiting,
            Stages = [.. definition.Stages.Select(StageForm.Of)],
            Yaml = yaml,
            Mode = FormMode,
        };

    /// <summary>The YAML that saves: typed in the YAML tab, or written from the form.</summary>
    public Result<string> ToYaml()
    {
        if (SavesYaml)
            return Yaml ?? "";
        var definition = ToDefinition();
        return definition.Succeeded ? PipelineYaml.Write(definition.Value) : definition.Problem!;
    }

    /// <summary>Does <see cref="Act"/> on the stage list; false when there is none to do.</summary>
    public bool ApplyAct()
    {
        var act = Act ?? "";
        if (act == "add")
        {
            Stages.Add(StageForm.New("test", $"stage-{Stages.Count + 1}"));
            return true;
        }
        var cut = act.LastIndexOf('-');
        if (cut < 0 || !int.TryParse(act[(cut + 1)..], CultureInfo.InvariantCulture, out var index))
            return false;
        if (index < 0 || index >= Stages.Count)
            return true;
        var stage = Stages[index];
        switch (act[..cut])
        {
            case "remove":
                Stages.RemoveAt(index);
                return true;
            case "up" when index > 0:
                Stages.RemoveAt(index);
                Stages.Insert(index - 1, stage);
                return true;
            case "down" when index < Stages.Count - 1:
                Stages.RemoveAt(index);
                Stages.Insert(index + 1, stage);
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// The form as a definition, or every problem named by the form's field (<c>Stages[2].Environment</c>).
    /// </summary>
    public Result<PipelineDefinition> ToDefinition()
    {
        var problems = new List<Problem>();
        void Refuse(string field, string message) => problems.Add(Problem.Invalid(field, message));

        TimeSpan? DurationOf(string? text, string field)
        {
            if (string.IsNullOrWhiteSpace(text))
                return null;
            var parsed = Durations.Parse(text.Trim(), field);
            if (parsed.Succeeded)
                return parsed.Value;
            Refuse(field, parsed.Problem!.Message);
            return null;
        }

        int? NumberOf(string? text, string field, string what)
        {
            if (string.IsNullOrWhiteSpace(text))
                return null;
            if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
                return number;
            Refuse(field, $"{what} is a whole number, not '{text.Trim()}'.");
            return null;
        }

        var stages = new List<PipelineStage>();
        for (var i = 0; i < Stages.Count; i++)
        {
            var form = Stages[i];
            var at = $"Stages[{i}]";
            var name = form.Name?.Trim() ?? "";
            var kind = Enum.GetValues<StageKind>().FirstOrDefault(k => PipelineYaml.KindName(k) == form.Kind);
            if (kind == 0)
            {
                Refuse($"{at}.Kind", $"Choose what stage '{name}' does.");
                continue;
            }
            var timeout = DurationOf(form.Timeout, $"{at}.Timeout") ?? PipelineLimits.DefaultStageTimeout;
            PipelineStage stage = kind switch
            {
                StageKind.Build => new BuildImageStage(name),
                StageKind.Test => new TestStage(name, Text(form.Command), Probe(form, at)),
                StageKind.Deploy => new DeployStage(name, Text(form.Environment) ?? "", form.RollbackOnFailure),
                StageKind.Approval => Approval(form, name, at, Refuse),
                StageKind.Promote => new PromoteStage(name, Text(form.From) ?? "", Text(form.To) ?? ""),
                _ => new CanaryStage(
                    name,
                    Text(form.Environment) ?? "",
                    NumberOf(form.Percent, $"{at}.Percent", "The share of replicas") ?? 10,
                    DurationOf(form.Duration, $"{at}.Duration") ?? TimeSpan.FromMinutes(5),
                    NumberOf(form.MaxRestarts, $"{at}.MaxRestarts", "The restarts allowed") ?? 0
                ),
            };
            stages.Add(stage with { Group = Text(form.Group), Timeout = timeout, Manual = form.Manual });

            HttpProbe? Probe(StageForm f, string path)
            {
                if (Text(f.ProbeEnvironment) is null && Text(f.ProbeUrl) is null && Text(f.ProbePath) is null)
                    return null;
                var environment = Text(f.ProbeEnvironment);
                return new HttpProbe(
                    environment,
                    Text(f.ProbePath) ?? (environment is null ? null : "/"),
                    Text(f.ProbeUrl),
                    DurationOf(f.ProbeWithin, $"{path}.ProbeWithin") ?? TimeSpan.FromMinutes(1)
                );
            }
        }
        var triggers = new PipelineTriggers(
            Patterns(Branches),
            Patterns(Tags),
            Text(Schedule),
            DurationOf(Poll, nameof(Poll))
        );
        // A kind not chosen leaves its stage out, so the definition's paths would not match the form's: checked after.
        if (problems.Count == 0)
        {
            var definition = PipelineDefinition.Create(
                stages,
                triggers,
                SupersedeWaiting,
                PipelineYaml.ScheduleRefusal
            );
            if (definition.Succeeded)
                return definition;
            var causes = definition.Problem!.Causes.Count > 0 ? definition.Problem.Causes : [definition.Problem];
            problems.AddRange(causes.Select(c => Problem.Invalid(KeyOf(c.Field, c.Message), c.Message)));
        }
        return Problem.Invalid(problems);
    }

    /// <summary>
    /// The form's field for a field of the definition (<c>stages[2].probe.url</c> → <c>Stages[2].ProbeUrl</c>).
    /// </summary>
    public static string KeyOf(string? definitionField, string message = "")
    {
        var field = definitionField ?? "";
        switch (field)
        {
            case "stages":
                return "Stages";
            case "triggers.branches":
                return nameof(Branches);
            case "triggers.tags":
                return nameof(Tags);
            case "triggers.schedule":
                return nameof(Schedule);
            case "triggers.poll":
                return nameof(Poll);
        }
        if (!field.StartsWith("stages[", StringComparison.Ordinal))
            return "";
        var close = field.IndexOf(']');
        var at = "S" + field[1..(close + 1)];
        var rest = field[(close + 1)..].TrimStart('.');
        var own = rest switch
        {
            "" => nameof(StageForm.Name),
            "probe" or "probe.environment" => nameof(StageForm.ProbeEnvironment),
            "probe.path" => nameof(StageForm.ProbePath),
            "probe.url" => nameof(StageForm.ProbeUrl),
            "probe.within" => nameof(StageForm.ProbeWithin),
            "approvers" when message.Contains("e-mail", StringComparison.Ordinal) => nameof(StageForm.Members),
            "approvers" or "approvers.roles" => nameof(StageForm.Roles),
            "approvers.members" => nameof(StageForm.Members),
            "rollbackOnFailure" => nameof(StageForm.RollbackOnFailure),
            _ => char.ToUpperInvariant(rest[0]) + rest[1..],
        };
        return $"{at}.{own}";
    }

    private static ApprovalStage Approval(StageForm form, string name, string at, Action<string, string> refuse)
    {
        var roles = new List<TenantRole>();
        foreach (var role in form.Roles.Where(r => !string.IsNullOrWhiteSpace(r)))
        {
            var parsed = TenantRoles.Parse(role, $"{at}.Roles");
            if (!parsed.Succeeded || parsed.Value == TenantRole.Viewer)
                refuse($"{at}.Roles", $"'{role}' cannot approve: choose Developer or TenantAdmin.");
            else
                roles.Add(parsed.Value);
        }
        return new ApprovalStage(name, roles, [.. Patterns(form.Members).Select(m => m.ToLowerInvariant())]);
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A list typed as text: items apart by commas, spaces or lines.</summary>
    private static IReadOnlyList<string> Patterns(string? text) =>
        (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
