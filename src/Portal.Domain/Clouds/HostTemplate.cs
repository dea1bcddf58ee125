using System.Text.RegularExpressions;
using Portal.Domain.Common;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Clouds;

/// <summary>
/// What a template asks of a provider, as an admin wrote it, before it is checked against the provider.
/// </summary>
public sealed record HostTemplateSpec(
    string? Name,
    string? Region,
    string? Zone,
    string? InstanceType,
    string? Image,
    int? SystemDiskGiB,
    string? Network,
    string? Subnet,
    string? SecurityGroup,
    string? KeyPair,
    string? Labels,
    string? Taints
);

/// <summary>
/// How a pool's hosts are made: which account, where, of which type and image, on which network, and the labels and
/// taints their nodes get. The type's CPUs and memory are kept as the provider listed them when the template was
/// saved, so pages can show them without asking.
/// </summary>
public sealed partial class HostTemplate
{
    public const int MinDiskGiB = 20;
    public const int MaxDiskGiB = 2048;
    public const int ValueMaxLength = 200;

    public Guid Id { get; private set; }
    public Guid PoolId { get; private set; }
    public Guid AccountId { get; private set; }
    public string Name { get; private set; } = "";
    public string Region { get; private set; } = "";
    public string Zone { get; private set; } = "";
    public string InstanceType { get; private set; } = "";
    public int Cpus { get; private set; }
    public int MemoryMiB { get; private set; }
    public string Image { get; private set; } = "";
    public string ImageName { get; private set; } = "";
    public int SystemDiskGiB { get; private set; }
    public string Network { get; private set; } = "";
    public string Subnet { get; private set; } = "";
    public string SecurityGroup { get; private set; } = "";
    public string KeyPair { get; private set; } = "";

    /// <summary>The labels its nodes get, "key=value" comma-separated.</summary>
    public string Labels { get; private set; } = "";

    /// <summary>The taints its nodes get, "key=value:Effect" one per line.</summary>
    public string Taints { get; private set; } = "";
    public DateTime CreatedAt { get; private set; }
    public string CreatedBy { get; private set; } = "";

    private HostTemplate() { }

    /// <summary>
    /// Checks the form of every field; the caller checks the values against what the provider lists, and passes the
    /// type's size and the image's name it found.
    /// </summary>
    public static Result<HostTemplate> Create(
        Guid poolId,
        CloudAccount account,
        HostTemplateSpec spec,
        CloudInstanceSize size,
        string imageName,
        DateTime now,
        string createdBy
    )
    {
        var problems = new List<Problem>();
        var name = TenantSlug.Create(spec.Name, "Name");
        if (!name.Succeeded)
            problems.Add(
                Problem.Invalid(
                    "Name",
                    name.Problem!.Message.Replace("slug", "template name", StringComparison.Ordinal)
                )
            );
        var region = spec.Region?.Trim() ?? "";
        if (!account.Serves(region))
            problems.Add(
                Problem.Invalid(
                    "Region",
                    $"Account '{account.Name}' serves {string.Join(", ", account.RegionList)}; choose one of them."
                )
            );
        if (!account.ServesPool(poolId))
            problems.Add(Problem.Invalid("Account", $"Account '{account.Name}' is lent to another pool."));
        var type = spec.InstanceType?.Trim() ?? "";
        if (type.Length == 0)
            problems.Add(Problem.Invalid("InstanceType", "Choose an instance type (or flavour, or size)."));
        var image = spec.Image?.Trim() ?? "";
        if (image.Length == 0)
            problems.Add(Problem.Invalid("Image", "Choose an image (or VM template)."));
        if (spec.SystemDiskGiB is not { } disk)
            problems.Add(Problem.Invalid("SystemDiskGiB", "Give the system disk's size in GiB."));
        else if (disk is < MinDiskGiB or > MaxDiskGiB)
            problems.Add(
                Problem.Invalid("SystemDiskGiB", $"A system disk has {MinDiskGiB} to {MaxDiskGiB} GiB; {disk} asked.")
            );
        foreach (
            var (field, value) in new[]
            {
                ("Zone", spec.Zone),
                ("Network", spec.Network),
                ("Subnet", spec.Subnet),
                ("SecurityGroup", spec.SecurityGroup),
                ("KeyPair", spec.KeyPair),
            }
        )
        {
            if ((value?.Trim().Length ?? 0) > ValueMaxLength)
                problems.Add(Problem.Invalid(field, $"At most {ValueMaxLength} characters."));
        }
        var labels = NodeSelector.Parse(spec.Labels, "Labels");
        if (!labels.Succeeded)
            problems.Add(labels.Problem!);
        var taints = ParseTaints(spec.Taints);
        if (!taints.Succeeded)
            problems.Add(taints.Problem!);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new HostTemplate
        {
            Id = Guid.NewGuid(),
            PoolId = poolId,
            AccountId = account.Id,
            Name = name.Value.Value,
            Region = region,
            Zone = spec.Zone?.Trim() ?? "",
            InstanceType = type,
            Cpus = size.Cpus,
            MemoryMiB = size.MemoryMiB,
            Image = image,
            ImageName = imageName,
            SystemDiskGiB = spec.SystemDiskGiB!.Value,
            Network = spec.Network?.Trim() ?? "",
            Subnet = spec.Subnet?.Trim() ?? "",
            SecurityGroup = spec.SecurityGroup?.Trim() ?? "",
            KeyPair = spec.KeyPair?.Trim() ?? "",
            Labels = labels.Value.ToString(),
            Taints = string.Join("\n", taints.Value.Select(t => t.ToString())),
            CreatedAt = now,
            CreatedBy = createdBy,
        };
    }

    public NodeSelector LabelSet => NodeSelector.Parse(Labels).Value;

    public IReadOnlyList<NodeTaint> TaintList => NodeTaint.ParseLines(Taints);

    /// <summary>
    /// Taints as "key=value:Effect", one per line (or separated by commas); effects as Kubernetes names them.
    /// </summary>
    public static Result<IReadOnlyList<NodeTaint>> ParseTaints(string? text)
    {
        var taints = new List<NodeTaint>();
        foreach (
            var line in (text ?? "").Split(
                ['\n', ','],
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
            )
        )
        {
            var match = TaintLine().Match(line);
            if (!match.Success)
                return Problem.Invalid(
                    "Taints",
                    $"'{line}' is not a taint: write key=value:Effect (or key:Effect) with the effect NoSchedule, "
                        + "PreferNoSchedule or NoExecute, one per line."
                );
            taints.Add(
                new NodeTaint(match.Groups["key"].Value, match.Groups["value"].Value, match.Groups["effect"].Value)
            );
        }
        return taints;
    }

    [GeneratedRegex(
        @"\A(?<key>([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)"
            + @"(=(?<value>[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?))?"
            + @":(?<effect>NoSchedule|PreferNoSchedule|NoExecute)\z"
    )]
    private static partial Regex TaintLine();
}

/// <summary>The CPUs and memory of an instance type, as the provider lists them.</summary>
public sealed record CloudInstanceSize(int Cpus, int MemoryMiB)
{
    public override string ToString() => $"{Cpus} vCPU, {MemoryMiB / 1024.0:0.#} GiB";
}
