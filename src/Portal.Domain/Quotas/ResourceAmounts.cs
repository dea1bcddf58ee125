using Portal.Domain.Common;

namespace Portal.Domain.Quotas;

/// <summary>
/// An amount of each resource the platform hands out. Requests and limits are kept apart: a tenant may be
/// granted 8 CPU of requests and 16 of limits, as Kubernetes' ResourceQuota counts them.
/// </summary>
public readonly record struct ResourceAmounts(
    long CpuRequestMillis,
    long CpuLimitMillis,
    long MemoryRequestBytes,
    long MemoryLimitBytes,
    long StorageBytes,
    int Pods,
    int MiddlewareInstances
)
{
    public static ResourceAmounts Zero => default;

    public static ResourceAmounts Sum(IEnumerable<ResourceAmounts> amounts) =>
        amounts.Aggregate(Zero, (sum, a) => sum + a);

    public static ResourceAmounts operator +(ResourceAmounts a, ResourceAmounts b) =>
        new(
            a.CpuRequestMillis + b.CpuRequestMillis,
            a.CpuLimitMillis + b.CpuLimitMillis,
            a.MemoryRequestBytes + b.MemoryRequestBytes,
            a.MemoryLimitBytes + b.MemoryLimitBytes,
            a.StorageBytes + b.StorageBytes,
            a.Pods + b.Pods,
            a.MiddlewareInstances + b.MiddlewareInstances
        );

    public static ResourceAmounts operator -(ResourceAmounts a, ResourceAmounts b) =>
        new(
            a.CpuRequestMillis - b.CpuRequestMillis,
            a.CpuLimitMillis - b.CpuLimitMillis,
            a.MemoryRequestBytes - b.MemoryRequestBytes,
            a.MemoryLimitBytes - b.MemoryLimitBytes,
            a.StorageBytes - b.StorageBytes,
            a.Pods - b.Pods,
            a.MiddlewareInstances - b.MiddlewareInstances
        );

    /// <summary>
    /// Reads amounts as people write them ("8", "500m", "32Gi"). Every amount must be given — 0 for none —: a blank one
    /// is never taken for zero. Each missing or unreadable amount is named, all at once, by its field.
    /// </summary>
    public static Result<ResourceAmounts> Parse(
        string? cpuRequests,
        string? cpuLimits,
        string? memoryRequests,
        string? memoryLimits,
        string? storage,
        string? pods,
        string? middlewareInstances
    )
    {
        var problems = new List<Problem>();
        long Read(string? text, string field, string what, bool cpu)
        {
            var example = cpu ? "'8' or '500m'" : "'32Gi' or '512Mi'";
            if (string.IsNullOrWhiteSpace(text))
                problems.Add(Problem.Invalid(field, $"Give the {what}, e.g. {example} (0 for none)."));
            else if (!Quantity.TryWhole(text, cpu ? 1000m : 1m, out var whole))
                problems.Add(Problem.Invalid(field, $"'{text}' is not an amount; write e.g. {example}."));
            else
                return whole;
            return 0;
        }
        int Count(string? text, string field, string what)
        {
            if (string.IsNullOrWhiteSpace(text))
                problems.Add(Problem.Invalid(field, $"Give the number of {what} (0 for none)."));
            else if (
                !int.TryParse(
                    text.Trim(),
                    System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture,
                    out var n
                )
            )
                problems.Add(Problem.Invalid(field, $"'{text}' is not a whole number."));
            else
                return n;
            return 0;
        }

        var amounts = new ResourceAmounts(
            Read(cpuRequests, "CpuRequests", "CPU requests", cpu: true),
            Read(cpuLimits, "CpuLimits", "CPU limits", cpu: true),
            Read(memoryRequests, "MemoryRequests", "memory requests", cpu: false),
            Read(memoryLimits, "MemoryLimits", "memory limits", cpu: false),
            Read(storage, "Storage", "storage", cpu: false),
            Count(pods, "Pods", "pods"),
            Count(middlewareInstances, "MiddlewareInstances", "middleware instances")
        );
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        var shape = amounts.Validate();
        return shape.Succeeded ? amounts : shape.Problem!;
    }

    /// <summary>
    /// An environment's share, read like <see cref="Parse"/>: every amount but middleware instances, which count
    /// against the tenant's quota in the pool rather than against a share.
    /// </summary>
    public static Result<ResourceAmounts> ParseShare(
        string? cpuRequests,
        string? cpuLimits,
        string? memoryRequests,
        string? memoryLimits,
        string? storage,
        string? pods
    ) => Parse(cpuRequests, cpuLimits, memoryRequests, memoryLimits, storage, pods, "0");

    public bool IsNegative => Dimensions().Any(d => d.Amount < 0);

    /// <summary>
    /// The dimensions where <paramref name="needed"/> exceeds what is <paramref name="available"/>, each said in
    /// people's units: "needs 2 CPU requests, 0.5 left of 8".
    /// </summary>
    public static IReadOnlyList<string> Shortfalls(
        ResourceAmounts needed,
        ResourceAmounts available,
        ResourceAmounts total
    ) =>
        Zip(needed, available, total)
            .Where(d => d.First > d.Second)
            .Select(d =>
                $"needs {d.Format(d.First)} {d.Name}, {d.Format(Math.Max(0, d.Second))} left of {d.Format(d.Third)}"
            )
            .ToList();

    /// <summary>
    /// The dimensions where <paramref name="asked"/> is below <paramref name="held"/>: "CPU requests: 2 asked, 3 held".
    /// </summary>
    public static IReadOnlyList<string> BelowHeld(ResourceAmounts asked, ResourceAmounts held) =>
        Zip(asked, held, held)
            .Where(d => d.First < d.Second)
            .Select(d => $"{d.Name}: {d.Format(d.First)} asked, {d.Format(d.Second)} held")
            .ToList();

    private static IEnumerable<(string Name, long First, long Second, long Third, Func<long, string> Format)> Zip(
        ResourceAmounts first,
        ResourceAmounts second,
        ResourceAmounts third
    ) =>
        first
            .Dimensions()
            .Zip(second.Dimensions(), third.Dimensions())
            .Select(d => (d.First.Name, d.First.Amount, d.Second.Amount, d.Third.Amount, d.First.Format));

    /// <summary>Checks the shape of an amount a person entered: nothing negative, limits not below requests.</summary>
    public Result Validate(string field = "Amounts")
    {
        if (IsNegative)
            return Problem.Invalid(field, "Amounts cannot be negative.");
        if (CpuLimitMillis < CpuRequestMillis)
            return Problem.Invalid(
                field,
                $"The CPU limit ({Quantity.FormatCpu(CpuLimitMillis)}) is below the CPU "
                    + $"request ({Quantity.FormatCpu(CpuRequestMillis)})."
            );
        if (MemoryLimitBytes < MemoryRequestBytes)
            return Problem.Invalid(
                field,
                $"The memory limit ({Quantity.FormatBytes(MemoryLimitBytes)}) is below "
                    + $"the memory request ({Quantity.FormatBytes(MemoryRequestBytes)})."
            );
        return Result.Ok();
    }

    public override string ToString() => string.Join(", ", Dimensions().Select(d => $"{d.Format(d.Amount)} {d.Name}"));

    private IEnumerable<Dimension> Dimensions()
    {
        yield return new("CPU requests", CpuRequestMillis, Cpu);
        yield return new("CPU limits", CpuLimitMillis, Cpu);
        yield return new("memory requests", MemoryRequestBytes, Quantity.FormatBytes);
        yield return new("memory limits", MemoryLimitBytes, Quantity.FormatBytes);
        yield return new("storage", StorageBytes, Quantity.FormatBytes);
        yield return new("pods", Pods, n => n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        yield return new("middleware instances", MiddlewareInstances, n =>
            n.ToString(System.Globalization.CultureInfo.InvariantCulture)
        );
    }

    private static string Cpu(long millis) => Quantity.FormatCpu(millis);

    private readonly record struct Dimension(string Name, long Amount, Func<long, string> Format);
}
