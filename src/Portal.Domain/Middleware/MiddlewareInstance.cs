using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Middleware;

public enum InstanceState
{
    Provisioning = 1,
    Ready = 2,
    Failed = 3,

    /// <summary>A day-2 change (scale, plan, upgrade, restart) is being rolled out.</summary>
    Updating = 4,
    Deleting = 5,
}

/// <summary>
/// A middleware instance of a tenant in one environment: a template at a version, in a plan, with parameters. Its
/// credentials are generated at provisioning and stored sealed (encrypted by the infrastructure, opaque here); its
/// size per replica is copied from the plan so that quota admission sums it without reading templates.
/// </summary>
public sealed class MiddlewareInstance : ITenantOwned
{
    public const int NameMaxLength = 30;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid EnvironmentId { get; private set; }
    public string Name { get; private set; } = "";
    public Guid TemplateId { get; private set; }
    public string TemplateName { get; private set; } = "";
    public string Version { get; private set; } = "";
    public string Plan { get; private set; } = "";
    public int Replicas { get; private set; }
    public IReadOnlyDictionary<string, string> Parameters { get; private set; } = new Dictionary<string, string>();
    public string SealedCredentials { get; private set; } = "";
    public ContainerResources PerReplica { get; private set; } = new(0, 0, 0, 0);
    public long StorageBytesPerReplica { get; private set; }
    public InstanceState State { get; private set; }
    public string? Reason { get; private set; }

    /// <summary>"host:port" of the client Service once it is ready.</summary>
    public string? Endpoint { get; private set; }

    /// <summary>Set when deletion was asked: whether the data volumes stay.</summary>
    public bool KeepVolumes { get; private set; }
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public DateTime UpdatedAt { get; private set; }

    private MiddlewareInstance() { }

    /// <summary>Checks the name, the version and plan (visible ones only) and the parameters together.</summary>
    public static Result<MiddlewareInstance> Create(
        Tenant tenant,
        Guid environmentId,
        string? name,
        MiddlewareTemplate template,
        string? version,
        string? plan,
        IReadOnlyDictionary<string, string?> parameters,
        string sealedCredentials,
        string createdBy,
        DateTime now
    )
    {
        var problems = new List<Problem>();
        var validName = name?.Trim() ?? "";
        if (
            validName.Length is 0 or > NameMaxLength
            || !KubernetesSyntax.IsDns1123Label(validName)
            || !char.IsAsciiLetterLower(validName[0])
        )
        {
            problems.Add(
                Problem.Invalid(
                    "Name",
                    $"'{name}' is not a valid instance name: up to {NameMaxLength} lowercase "
                        + "letters, digits and '-', starting with a letter, like 'orders-db'."
                )
            );
        }

        if (template.Hidden)
            problems.Add(
                Problem.Invalid("Template", $"'{template.DisplayName}' is no longer offered for new instances.")
            );
        var chosenVersion = template.VisibleVersions().FirstOrDefault(v => v.Version == version);
        if (chosenVersion is null)
            problems.Add(
                Problem.Invalid(
                    "Version",
                    $"'{template.DisplayName}' has no version '{version}' to offer; choose "
                        + "one of "
                        + $"{string.Join(", ", template.VisibleVersions().Select(v => v.Version))}."
                )
            );
        var chosenPlan = template.VisiblePlans().FirstOrDefault(p => p.Name == plan);
        if (chosenPlan is null)
            problems.Add(
                Problem.Invalid(
                    "Plan",
                    $"'{template.DisplayName}' has no plan '{plan}'; choose one of "
                        + $"{string.Join(", ", template.VisiblePlans().Select(p => p.Name))}."
                )
            );
        var resolved = template.ResolveParameters(parameters);
        if (!resolved.Succeeded)
            problems.AddRange(resolved.Problem!.Causes.Count > 0 ? resolved.Problem.Causes : [resolved.Problem]);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        var instance = new MiddlewareInstance
        {
            Id = Guid.NewGuid(),
            TenantId = tenant.Id,
            EnvironmentId = environmentId,
            Name = validName,
            TemplateId = template.Id,
            TemplateName = template.Name,
            Version = chosenVersion!.Version,
            Parameters = resolved.Value,
            SealedCredentials = sealedCredentials,
            State = InstanceState.Provisioning,
            CreatedBy = createdBy,
            CreatedAt = now,
            UpdatedAt = now,
        };
        instance.TakePlan(chosenPlan!, chosenPlan!.Replicas);
        return instance;
    }

    /// <summary>Replicas within what the plan allows.</summary>
    public Result Scale(MiddlewareTemplate template, int replicas, DateTime now)
    {
        var plan = template.FindPlan(Plan)!;
        if (replicas < 1 || replicas > plan.MaxReplicas)
            return Problem.Invalid("Replicas", $"Plan '{plan.DisplayName}' runs 1 to {plan.MaxReplicas} replica(s).");
        return Change(now, () => Replicas = replicas);
    }

    /// <summary>Vertical scaling: another plan's size (its storage cannot shrink: volumes only grow).</summary>
    public Result ChangePlan(MiddlewareTemplate template, string? plan, DateTime now)
    {
        var chosen = template.VisiblePlans().FirstOrDefault(p => p.Name == plan);
        if (chosen is null)
            return Problem.Invalid("Plan", $"'{template.DisplayName}' has no plan '{plan}'.");
        if (chosen.StorageBytes < StorageBytesPerReplica)
            return Problem.Invalid(
                "Plan",
                $"Plan '{chosen.DisplayName}' has less storage than the volumes already "
                    + $"hold ({Quantity.FormatBytes(StorageBytesPerReplica)}); volumes only "
                    + "grow."
            );
        return Change(now, () => TakePlan(chosen, Math.Min(Math.Max(Replicas, chosen.Replicas), chosen.MaxReplicas)));
    }

    /// <summary>A newer version of the same major line.</summary>
    public Result Upgrade(MiddlewareTemplate template, string? version, DateTime now)
    {
        var allowed = template.CheckUpgrade(Version, version ?? "");
        return allowed.Succeeded ? Change(now, () => Version = version!) : allowed;
    }

    public Result Restart(DateTime now) => Change(now, () => { });

    public void MarkReady(string endpoint, DateTime now)
    {
        State = InstanceState.Ready;
        Endpoint = endpoint;
        Reason = null;
        UpdatedAt = now;
    }

    public void MarkFailed(string reason, DateTime now)
    {
        State = InstanceState.Failed;
        Reason = reason;
        UpdatedAt = now;
    }

    public Result MarkDeleting(bool keepVolumes, DateTime now)
    {
        if (State == InstanceState.Deleting)
            return Problem.Conflict($"Instance '{Name}' is being deleted already.");
        State = InstanceState.Deleting;
        KeepVolumes = keepVolumes;
        UpdatedAt = now;
        return Result.Ok();
    }

    private Result Change(DateTime now, Action change)
    {
        if (State is InstanceState.Deleting or InstanceState.Provisioning)
            return Problem.Conflict(
                $"Instance '{Name}' is {State.ToString().ToLowerInvariant()}: wait until it is ready."
            );
        change();
        State = InstanceState.Updating;
        Reason = null;
        UpdatedAt = now;
        return Result.Ok();
    }

    private void TakePlan(TemplatePlan plan, int replicas)
    {
        Plan = plan.Name;
        Replicas = replicas;
        PerReplica = new ContainerResources(
            plan.CpuRequestMillis,
            plan.CpuLimitMillis,
            plan.MemoryRequestBytes,
            plan.MemoryLimitBytes
        );
        StorageBytesPerReplica = plan.StorageBytes;
    }
}

/// <summary>
/// A middleware instance bound to an application in the same environment: the variables (names overridable) that
/// the application's revisions take from the instance — plain ones as values, secret ones by reference to the
/// instance's Secret, never copied.
/// </summary>
public sealed class MiddlewareBinding : ITenantOwned
{
    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid InstanceId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public Guid EnvironmentId { get; private set; }

    /// <summary>The variables the binding gave the application, as they were injected.</summary>
    public IReadOnlyList<EnvironmentVariable> Variables { get; private set; } = [];
    public string CreatedBy { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }

    private MiddlewareBinding() { }

    public MiddlewareBinding(
        MiddlewareInstance instance,
        Guid applicationId,
        IReadOnlyList<EnvironmentVariable> variables,
        string createdBy,
        DateTime now
    )
    {
        Id = Guid.NewGuid();
        TenantId = instance.TenantId;
        InstanceId = instance.Id;
        ApplicationId = applicationId;
        EnvironmentId = instance.EnvironmentId;
        Variables = variables;
        CreatedBy = createdBy;
        CreatedAt = now;
    }
}
