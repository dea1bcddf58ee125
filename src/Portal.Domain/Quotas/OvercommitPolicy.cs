using Portal.Domain.Common;

namespace Portal.Domain.Quotas;

/// <summary>
/// How far beyond a pool's physical capacity quota may be granted: CPU 2.0 lets twice the pool's CPU be
/// promised, on the bet that not every tenant uses all of it at once. 1.0 promises only what exists.
/// </summary>
public sealed record OvercommitPolicy(decimal Cpu, decimal Memory)
{
    public const decimal MaxRatio = 10m;
    public static OvercommitPolicy None { get; } = new(1m, 1m);

    public static Result<OvercommitPolicy> Create(decimal cpu, decimal memory)
    {
        if (cpu < 1m || memory < 1m)
            return Problem.Invalid("Overcommit", "An overcommit ratio is at least 1.0 (no overcommit).");
        if (cpu > MaxRatio || memory > MaxRatio)
            return Problem.Invalid("Overcommit", $"An overcommit ratio is at most {MaxRatio}.");
        return new OvercommitPolicy(cpu, memory);
    }

    /// <summary>
    /// What may be granted in all from a pool of this capacity. Overcommit stretches CPU and memory
    /// (requests and limits alike); storage and pods are never promised beyond what exists.
    /// </summary>
    public ResourceAmounts Grantable(ResourceAmounts capacity) =>
        capacity with
        {
            CpuRequestMillis = Stretch(capacity.CpuRequestMillis, Cpu),
            CpuLimitMillis = Stretch(capacity.CpuLimitMillis, Cpu),
            MemoryRequestBytes = Stretch(capacity.MemoryRequestBytes, Memory),
            MemoryLimitBytes = Stretch(capacity.MemoryLimitBytes, Memory),
        };

    private static long Stretch(long amount, decimal ratio) => (long)Math.Floor(amount * ratio);
}
