using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Domain.Pipelines;

/// <summary>
/// What a pipeline does, in order: its stages (consecutive stages of one group run in parallel), what starts it, and
/// whether a newer push replaces a run of the same branch still waiting to start. Made only through
/// <see cref="Create"/>, which names every problem by its path (<c>stages[2].environment</c>) so that an editor can
/// point at the field or the line.
/// </summary>
public sealed record PipelineDefinition
{
    public IReadOnlyList<PipelineStage> Stages { get; }
    public PipelineTriggers Triggers { get; }

    /// <summary>
    /// A newer push to a branch replaces the run of that branch still queued, instead of queueing behind it.
    /// </summary>
    public bool SupersedeWaiting { get; }

    private PipelineDefinition(IReadOnlyList<PipelineStage> stages, PipelineTriggers triggers, bool supersedeWaiting)
    {
        Stages = stages;
        Triggers = triggers;
        SupersedeWaiting = supersedeWaiting;
    }

    /// <summary>
    /// The stages by the step they run in: each step's stages start together once the step before succeeded.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<PipelineStage>> Steps
    {
        get
        {
            var steps = new List<IReadOnlyList<PipelineStage>>();
            List<PipelineStage>? current = null;
            foreach (var stage in Stages)
            {
                if (current is not null && stage.Group is not null && current[^1].Group == stage.Group)
                {
                    current.Add(stage);
                    continue;
                }
                current = [stage];
                steps.Add(current);
            }
            return steps;
        }
    }

    public PipelineStage? Stage(string name) => Stages.FirstOrDefault(s => s.Name == name);

    /// <param name="scheduleRefusal">Why a cron expression is none, or null when it is one.</param>
    public static Result<PipelineDefinition> Create(
        IReadOnlyList<PipelineStage> stages,
        PipelineTriggers triggers,
        bool supersedeWaiting,
        Func<string, string?> scheduleRefusal
    )
    {
        var problems = new List<Problem>();
        void Refuse(string field, string message) => problems.Add(Problem.Invalid(field, message));

        if (stages.Count == 0)
            Refuse("stages", "A pipeline needs at least one stage.");
        if (stages.Count > PipelineLimits.MaxStages)
            Refuse("stages", $"A pipeline has at most {PipelineLimits.MaxStages} stages; this one has {stages.Count}.");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groupsClosed = new HashSet<string>(StringComparer.Ordinal);
        var built = false;
        var deployed = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            var at = $"stages[{i}]";
            if (!KubernetesSyntax.IsDns1123Label(stage.Name) || stage.Name.Length > PipelineLimits.NameMaxLength)
                Refuse(
                    $"{at}.name",
                    $"Stage name '{stage.Name}' is not a name: lower-case letters, digits and '-', starting with a "
                        + $"letter or digit, at most {PipelineLimits.NameMaxLength} characters."
                );
            else if (!seen.Add(stage.Name))
                Refuse($"{at}.name", $"Two stages are named '{stage.Name}': each stage needs a name of its own.");
            CheckGroup(stages, i, groupsClosed, Refuse);
            var maxTimeout =
                stage is ApprovalStage ? PipelineLimits.MaxApprovalTimeout : PipelineLimits.MaxStageTimeout;
            if (stage.Timeout < PipelineLimits.MinStageTimeout || stage.Timeout > maxTimeout)
                Refuse(
                    $"{at}.timeout",
                    $"Stage '{stage.Name}' has a timeout of {Durations.Format(stage.Timeout)}: it must be between "
                        + $"{Durations.Format(PipelineLimits.MinStageTimeout)} and {Durations.Format(maxTimeout)}."
                );
            switch (stage)
            {
                case BuildImageStage:
                    built = true;
                    break;
                case TestStage test:
                    CheckTest(test, at, built, Refuse);
                    break;
                case DeployStage deploy:
                    CheckEnvironment(deploy.Environment, $"{at}.environment", stage.Name, Refuse);
                    if (!built)
                        Refuse(
                            $"{at}.environment",
                            $"Stage '{stage.Name}' deploys the image the run built: a build stage must come before it."
                        );
                    deployed.Add(deploy.Environment);
                    break;
                case ApprovalStage approval:
                    if (approval.Roles.Count == 0 && approval.Members.Count == 0)
                        Refuse(
                            $"{at}.approvers",
                            $"Stage '{stage.Name}' needs approvers: a role (Developer, TenantAdmin) or named members."
                        );
                    foreach (var member in approval.Members.Where(m => !Tenancy.EmailAddress.Create(m).Succeeded))
                        Refuse($"{at}.approvers", $"Approver '{member}' is not an e-mail address.");
                    break;
                case PromoteStage promote:
                    CheckEnvironment(promote.From, $"{at}.from", stage.Name, Refuse);
                    CheckEnvironment(promote.To, $"{at}.to", stage.Name, Refuse);
                    if (promote.From == promote.To)
                        Refuse($"{at}.to", $"Stage '{stage.Name}' promotes '{promote.From}' to itself.");
                    deployed.Add(promote.To);
                    break;
                case CanaryStage canary:
                    CheckEnvironment(canary.Environment, $"{at}.environment", stage.Name, Refuse);
                    if (!built)
                        Refuse(
                            $"{at}.environment",
                            $"Stage '{stage.Name}' runs the image the run built: a build stage must come before it."
                        );
                    if (canary.Percent is < 1 or > 99)
                        Refuse(
                            $"{at}.percent",
                            $"Stage '{stage.Name}' gives the canary {canary.Percent}% of the replicas: from 1 to 99."
                        );
                    if (
                        canary.Duration < TimeSpan.FromSeconds(10)
                        || canary.Duration > PipelineLimits.MaxCanaryDuration
                    )
                        Refuse(
                            $"{at}.duration",
                            $"Stage '{stage.Name}' watches the canary for {Durations.Format(canary.Duration)}: from "
                                + $"10s to {Durations.Format(PipelineLimits.MaxCanaryDuration)}."
                        );
                    else if (canary.Duration >= stage.Timeout)
                        Refuse(
                            $"{at}.timeout",
                            $"Stage '{stage.Name}' must be given longer than the canary's "
                                + $"{Durations.Format(canary.Duration)} to finish."
                        );
                    if (canary.MaxRestarts is < 0 or > 100)
                        Refuse(
                            $"{at}.maxRestarts",
                            $"Stage '{stage.Name}' allows {canary.MaxRestarts} restarts: 0 to 100."
                        );
                    break;
            }
        }
        CheckTriggers(triggers, scheduleRefusal, Refuse);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new PipelineDefinition(stages, triggers, supersedeWaiting);
    }

    private static void CheckGroup(
        IReadOnlyList<PipelineStage> stages,
        int index,
        HashSet<string> groupsClosed,
        Action<string, string> refuse
    )
    {
        var stage = stages[index];
        var previous = index > 0 ? stages[index - 1].Group : null;
        if (previous is not null && previous != stage.Group)
            groupsClosed.Add(previous);
        if (stage.Group is null)
            return;
        if (!KubernetesSyntax.IsDns1123Label(stage.Group))
            refuse(
                $"stages[{index}].group",
                $"Group '{stage.Group}' is not a name: lower-case letters, digits and '-'."
            );
        else if (groupsClosed.Contains(stage.Group))
            refuse(
                $"stages[{index}].group",
                $"The stages of group '{stage.Group}' must follow each other: stage '{stage.Name}' is apart from them."
            );
    }

    private static void CheckTest(TestStage test, string at, bool built, Action<string, string> refuse)
    {
        if ((test.Command is null) == (test.Probe is null))
        {
            refuse(
                $"{at}.command",
                $"Stage '{test.Name}' tests with a command run in the built image or an HTTP probe: exactly one."
            );
            return;
        }
        if (test.Command is { } command)
        {
            if (string.IsNullOrWhiteSpace(command) || command.Length > PipelineLimits.CommandMaxLength)
                refuse(
                    $"{at}.command",
                    $"Stage '{test.Name}' needs a command of 1 to {PipelineLimits.CommandMaxLength} characters."
                );
            if (!built)
                refuse(
                    $"{at}.command",
                    $"Stage '{test.Name}' runs its command in the image the run built: a "
                        + "build stage must come before it."
                );
            return;
        }
        var probe = test.Probe!;
        if ((probe.Url is null) == (probe.Environment is null))
            refuse(
                $"{at}.probe",
                $"Stage '{test.Name}' probes an environment (with a path) or an absolute URL: exactly one."
            );
        if (probe.Environment is { } environment)
            CheckEnvironment(environment, $"{at}.probe.environment", test.Name, refuse);
        if (probe.Path is { } path && (!path.StartsWith('/') || path.Any(char.IsWhiteSpace) || path.Length > 500))
            refuse(
                $"{at}.probe.path",
                $"Stage '{test.Name}' probes '{path}': a path starts with '/' and has no spaces."
            );
        if (
            probe.Url is { } url
            && !(
                Uri.TryCreate(url, UriKind.Absolute, out var uri)
                && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            )
        )
            refuse($"{at}.probe.url", $"Stage '{test.Name}' probes '{url}': an absolute http or https URL is needed.");
        if (probe.Within < TimeSpan.FromSeconds(1) || probe.Within > TimeSpan.FromHours(1))
            refuse(
                $"{at}.probe.within",
                $"Stage '{test.Name}' waits {Durations.Format(probe.Within)} for 2xx: from 1s to 1h."
            );
    }

    private static void CheckEnvironment(string name, string field, string stage, Action<string, string> refuse)
    {
        if (!KubernetesSyntax.IsDns1123Label(name))
            refuse(field, $"Stage '{stage}' names environment '{name}', which is not an environment name.");
    }

    private static void CheckTriggers(
        PipelineTriggers triggers,
        Func<string, string?> scheduleRefusal,
        Action<string, string> refuse
    )
    {
        foreach (var (patterns, field) in new[] { (triggers.Branches, "branches"), (triggers.Tags, "tags") })
        {
            if (patterns.Count > PipelineLimits.MaxPatterns)
                refuse($"triggers.{field}", $"At most {PipelineLimits.MaxPatterns} {field} patterns.");
            foreach (var pattern in patterns)
            {
                if (RefPattern.Refusal(pattern) is { } reason)
                    refuse($"triggers.{field}", $"Pattern '{pattern}' {reason}");
            }
        }
        if (triggers.Schedule is { } schedule && scheduleRefusal(schedule) is { } refusal)
            refuse("triggers.schedule", $"Schedule '{schedule}' is not a cron expression: {refusal}");
        if (triggers.PollEvery is { } every && (every < PipelineLimits.MinPollEvery || every > TimeSpan.FromDays(1)))
            refuse(
                "triggers.poll",
                $"Polling every {Durations.Format(every)} is out of bounds: from "
                    + $"{Durations.Format(PipelineLimits.MinPollEvery)} to 1d."
            );
    }
}
